//go:build !linux

package model

import "unsafe"

// adviseHugePages is Linux's transparent huge page advice; elsewhere the
// ring is left to the system's defaults.
func adviseHugePages(unsafe.Pointer, uintptr) error { return nil }
