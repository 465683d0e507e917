package cmd

import (
	"fmt"
	"strconv"
	"strings"
)

// byteUnits are the suffixes parseBytes takes, longest first so that "MiB" is not read as "B".
var byteUnits = []struct {
	suffix string
	factor int64
}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"B", 1}}

// parseBytes reads a size: a whole number of bytes, or one followed by KiB, MiB or GiB (K, M, G).
func parseBytes(s string) (int64, error) {
	num, factor := strings.TrimSpace(s), int64(1)
	for _, u := range byteUnits {
		if strings.HasSuffix(num, u.suffix) {
			num, factor = strings.TrimSpace(strings.TrimSuffix(num, u.suffix)), u.factor
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err == nil && n >= 0 && n > (1<<62)/factor {
		return 0, fmt.Errorf("too large: at most %dGiB", (1<<62)/(1<<30))
	}
	if err != nil || n < 0 {
		return 0, fmt.Errorf("want a size in bytes, such as 268435456, 256MiB or 1GiB: a whole number, " +
			"alone or followed by KiB, MiB or GiB (or K, M, G)")
	}
	return n * factor, nil
}

// sizeFlag is a flag of a size in bytes that takes the units parseBytes does (--max-message, the
// hub's byte limits).
type sizeFlag[T int | int64] struct{ n *T }

// newSizeFlag sets *n to def and returns the flag that sets it.
func newSizeFlag[T int | int64](n *T, def T) sizeFlag[T] {
	*n = def
	return sizeFlag[T]{n}
}

func (f sizeFlag[T]) Set(s string) error {
	n, err := parseBytes(s)
	if err != nil {
		return err
	}
	*f.n = T(n)
	return nil
}

func (f sizeFlag[T]) Type() string { return "size" }

// String says the size with the largest unit that divides it.
func (f sizeFlag[T]) String() string {
	n := int64(*f.n)
	for i := 2; i >= 0; i-- { // GiB, MiB, KiB
		if u := byteUnits[i]; n >= u.factor && n%u.factor == 0 {
			return strconv.FormatInt(n/u.factor, 10) + u.suffix
		}
	}
	return fmt.Sprint(n)
}
