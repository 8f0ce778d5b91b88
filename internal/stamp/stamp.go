// Package stamp prints CLOCK_MONOTONIC timestamps that the course's Python side
// can compare with its own time.monotonic_ns(): Go's time.Now() monotonic
// reading counts from the process start, so it cannot be compared across processes.
package stamp

import (
	"fmt"
	"syscall"
	"unsafe"
)

const clockMonotonic = 1

// Now returns CLOCK_MONOTONIC in nanoseconds.
func Now() int64 {
	var ts syscall.Timespec
	syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockMonotonic, uintptr(unsafe.Pointer(&ts)), 0)
	return ts.Nano()
}

// Print writes "STAMP <label> <ns>" on its own line.
func Print(label string) {
	fmt.Printf("STAMP %s %d\n", label, Now())
}
