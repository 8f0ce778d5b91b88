// segv-wild-address: a fault far from address 0 is no panic but a fatal "unexpected fault address", unless debug.SetPanicOnFault(true) is in force.
// Send: nothing
// Output contains: recovered with SetPanicOnFault: runtime error: invalid memory address or nil pointer dereference (addr 0x10000000)
// Output contains: unexpected fault address 0x10000000
// Output contains: fatal error: fault
// Output lacks: recovered without SetPanicOnFault
// Exit: 2
//
// runtime.sigpanic decides by the fault address, not by whether it lies in a
// stack or the heap: below 0x1000 (a nil pointer plus a small offset) it
// panics; anywhere else it panics only when the goroutine asked for it with
// debug.SetPanicOnFault, and otherwise throws, which no recover() can catch.
// Address 0x10000000 (256 MiB) lies below the program's text and far below
// the heap, so nothing is mapped there.
package main

import (
	"fmt"
	"runtime/debug"
	"unsafe"
)

const wild = uintptr(0x10000000)

//go:noinline
func load(p *int) int {
	return *p
}

func read(label string) {
	defer func() {
		if r := recover(); r != nil {
			addr := uintptr(0)
			if a, ok := r.(interface{ Addr() uintptr }); ok {
				addr = a.Addr()
			}
			fmt.Printf("recovered %s: %v (addr %#x)\n", label, r, addr)
		}
	}()
	load((*int)(unsafe.Pointer(wild)))
}

func main() {
	fmt.Println("READY")
	old := debug.SetPanicOnFault(true)
	read("with SetPanicOnFault")
	debug.SetPanicOnFault(old)
	read("without SetPanicOnFault")
	fmt.Println("not reached")
}
