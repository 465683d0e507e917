package model

// DecodeFast and DecodePlain expose Decode's two paths to the external tests.
var (
	DecodeFast  = decodeFast
	DecodePlain = decodePlain
)
