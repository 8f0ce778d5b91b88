// setuid-all-threads: syscall.Setuid in a pure Go program changes every thread's user ID by signalling each thread with signal 33.
// Send: nothing
// Output contains: setuid on every thread: ok
// Exit: 0
//
// On Linux a user ID belongs to a thread, so setuid(2) on one thread is not
// enough. A cgo binary leaves it to the C library (glibc's SIGSETXID, the same
// signal). A pure Go binary has no C library: syscall.AllThreadsSyscall makes
// the runtime send sigPerThreadSyscall (signal 33) to every other thread, and
// each thread's handler runs the system call itself. The program first starts
// a few threads, so there are threads to signal. Setting the user ID it
// already has works for any user.
package main

import (
	"fmt"
	"os"
	"runtime"
	"sync"
	"syscall"
)

func main() {
	var wg sync.WaitGroup
	for range 4 { // busy goroutines on threads of their own
		wg.Add(1)
		go func() {
			defer wg.Done()
			runtime.LockOSThread()
			x := 0
			for i := range 20_000_000 {
				x += i
			}
			_ = x
		}()
	}
	fmt.Println("READY")
	if err := syscall.Setuid(os.Getuid()); err != nil {
		fmt.Println("setuid:", err)
		os.Exit(1)
	}
	fmt.Println("setuid on every thread: ok")
	wg.Wait()
}
