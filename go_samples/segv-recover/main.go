// segv-recover: a nil dereference is a SIGSEGV the runtime turns into a panic that recover() catches; Notify never sees it, but a SIGSEGV sent with kill reaches Notify.
// Send: SIGSEGV
// Output contains: recovered: runtime error: invalid memory address or nil pointer dereference
// Output contains: Notify after the fault: nothing
// Output contains: got signal: segmentation fault
// Exit: 0
//
// The runtime's sighandler sees a SIGSEGV from the kernel (si_code SEGV_MAPERR,
// not SI_USER) at an address below 0x1000, rewrites the interrupted context so
// that the faulting goroutine "calls" runtime.sigpanic, and sigpanic calls
// panicmem: an ordinary run-time panic. SIGSEGV has no _SigNotify flag in the
// runtime's sigtable, so os/signal gets a SIGSEGV only when it comes from
// another process (kill), never from a fault.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

type node struct{ next *node }

//go:noinline
func deref(n *node) *node {
	return n.next // faults when n is nil
}

func fault() {
	defer func() {
		fmt.Println("recovered:", recover())
	}()
	deref(nil)
}

func main() {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGSEGV)
	fault()
	select {
	case sig := <-sigs:
		fmt.Println("Notify after the fault:", sig)
	case <-time.After(200 * time.Millisecond):
		fmt.Println("Notify after the fault: nothing")
	}
	fmt.Println("READY")
	select {
	case sig := <-sigs:
		fmt.Println("got signal:", sig)
	case <-time.After(5 * time.Second):
		fmt.Println("no signal within 5 s")
		os.Exit(1)
	}
}
