package cmd

import (
	"fmt"
	"io"

	mcobra "github.com/muesli/mango-cobra"
	"github.com/muesli/roff"
	"github.com/spf13/cobra"
)

// newManCmd is "deskwatch man": the manual page, built from the commands' own help so it never
// disagrees with --help. (fang adds a hidden one; this one is listed, so a newcomer finds it.)
func newManCmd(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "man",
		Short: "Print the manual page (roff), e.g. deskwatch man | man -l -",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			page, err := mcobra.NewManPage(1, cmd.Root())
			if err != nil {
				return fmt.Errorf("building the manual page: %w", err)
			}
			_, err = fmt.Fprint(stdout, page.Build(roff.NewDocument()))
			return err
		},
	}
}
