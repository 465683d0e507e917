package cmd

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/spf13/cobra"

	"github.com/deskwatch/deskwatch/config"
)

// newConfigCmd is "deskwatch config": init writes the commented default file, path prints where it
// is read from, check reads one and reports its errors.
func newConfigCmd(stdout, stderr io.Writer) *cobra.Command {
	return newConfigCmdEnv(stdout, stderr, os.Getenv)
}

// newConfigCmdEnv takes the environment as a function so tests never see the real home directory.
func newConfigCmdEnv(stdout, stderr io.Writer, getenv func(string) string) *cobra.Command {
	c := &cobra.Command{
		Use:   "config",
		Short: "Write, locate or check the configuration file",
		Long: prose(`deskwatch reads $XDG_CONFIG_HOME/deskwatch/config.yaml (~/.config/deskwatch/config.yaml when
XDG_CONFIG_HOME is unset), or the file --config names: theme, columns, alert thresholds,
retention, default filter and key remapping. User themes live in themes/NAME.yaml beside it.`),
		Example: `  deskwatch config init            # write the commented default file
  $EDITOR "$(deskwatch config path)"
  deskwatch config check           # report every error with its line and field`,
	}
	groupOnly(c)
	c.SetOut(stdout)
	c.SetErr(stderr)
	c.AddCommand(newConfigInitCmd(stdout, getenv), newConfigPathCmd(stdout, getenv),
		newConfigCheckCmd(stdout, getenv))
	return c
}

func newConfigInitCmd(stdout io.Writer, getenv func(string) string) *cobra.Command {
	var path string
	var force bool
	c := &cobra.Command{
		Use:   "init",
		Short: "Write the commented default configuration file",
		Long: prose(`init writes the default configuration, every setting commented, to the default path (see
"deskwatch config path") or to --config, creating its directory. It does not overwrite an existing
file unless --force is given. It prints the path it wrote.`),
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			p, err := configPath(path, getenv)
			if err != nil {
				return err
			}
			if err := writeDefaultConfig(p, force); err != nil {
				return err
			}
			_, err = fmt.Fprintln(stdout, p)
			return err
		},
	}
	configFileFlag(c, &path, "write here instead of the default path")
	c.Flags().BoolVar(&force, "force", false, "overwrite an existing file")
	return c
}

func newConfigPathCmd(stdout io.Writer, getenv func(string) string) *cobra.Command {
	return &cobra.Command{
		Use:   "path",
		Short: "Print the path of the default configuration file",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			p, err := config.Path(getenv)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(stdout, p)
			return err
		},
	}
}

func newConfigCheckCmd(stdout io.Writer, getenv func(string) string) *cobra.Command {
	var path string
	c := &cobra.Command{
		Use:   "check",
		Short: "Read the configuration file and report every error",
		Long: prose(`check reads the configuration as deskwatch would (the default path, or --config) and prints
"PATH: ok", or every error with its line and field and exits 2. A missing default file is fine
(the defaults apply); a missing --config file is an error.`),
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			cfg, p, err := config.Resolve(path, getenv)
			if err != nil {
				return err
			}
			if _, err := keyMap(cfg, p); err != nil {
				return err
			}
			if p == "" {
				_, err = fmt.Fprintln(stdout, "no configuration directory: the defaults apply")
				return err
			}
			if _, statErr := os.Stat(p); errors.Is(statErr, fs.ErrNotExist) {
				_, err = fmt.Fprintf(stdout, "%s: no such file, the defaults apply\n", p)
				return err
			}
			_, err = fmt.Fprintf(stdout, "%s: ok\n", p)
			return err
		},
	}
	configFileFlag(c, &path, "check this file instead of the default one")
	return c
}

// configFileFlag registers --config FILE, the word deskwatch itself takes for the file, and --path,
// its older name, kept working but out of the help.
func configFileFlag(c *cobra.Command, path *string, usage string) {
	c.Flags().StringVar(path, "config", "", usage)
	c.Flags().StringVar(path, "path", "", usage+" (the older name of --config)")
	_ = c.Flags().MarkHidden("path")
}

// configPath is --path when given, else the default configuration path.
func configPath(flag string, getenv func(string) string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	return config.Path(getenv)
}

// writeDefaultConfig writes the default file to path, refusing to replace one unless force.
func writeDefaultConfig(path string, force bool) error {
	err := config.WriteDefaultFile(path, force)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("config init: %s already exists (--force overwrites it)", path)
	}
	if err != nil {
		return fmt.Errorf("config init: %w", err)
	}
	return nil
}
