// Package positive fills in a setting left unset: for the numbers of a configuration, zero and
// anything below it mean "the default".
package positive

// Number is a setting that counts or measures something: a size, a limit, a duration.
type Number interface {
	~int | ~int32 | ~int64 | ~float64
}

// Or returns v if it is positive and def otherwise, as cmp.Or does for zero alone.
func Or[T Number](v, def T) T {
	if v > 0 {
		return v
	}
	return def
}
