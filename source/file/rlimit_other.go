//go:build !unix

package file

func defaultMaxOpen() int { return 64 }
