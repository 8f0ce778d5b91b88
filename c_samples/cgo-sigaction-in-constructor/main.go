// cgo-sigaction-in-constructor: C installs a SIGINT handler in a constructor, before the runtime starts: Go's handler replaces it, Notify gets the signal.
// Env: GODEBUG=asyncpreemptoff=1
// Send: SIGINT
// Output contains: C handler ran 0 times
// Output contains: Notify got interrupt
// Output lacks: C handler: SIGINT
// Exit: 0
//
// A handler installed before the runtime starts is the one the runtime finds:
// initsig keeps it in fwdSig and installs its own over it. For an
// asynchronous signal such as SIGINT, sigfwdgo never forwards to the saved
// handler while Go handles the signal, so the C handler never runs; with
// Notify, the signal goes to the channel.
//
// With -no-notify the C handler does run, once, and the program still dies
// by SIGINT: sighandler finds nobody asking for SIGINT and calls
// dieFromSignal, which clears handlingSig and raises SIGINT again. That
// second delivery enters Go's handler, sigfwdgo sees Go no longer handling
// the signal and forwards it to the saved C handler, which returns;
// dieFromSignal then installs SIG_DFL and raises SIGINT a third time, which
// kills the process. The C handler writes a line each time it runs (write(2)
// is async-signal-safe), so its one run shows even though Go prints nothing.
package main

/*
#include <signal.h>
#include <string.h>
#include <unistd.h>

int c_runs;                         // how many times c_handler ran (read from Go)
static struct sigaction before;     // the action c_handler replaced (SIG_DFL: nothing to chain to)

static void c_handler(int sig, siginfo_t *info, void *ctx) {
	static const char line[] = "C handler: SIGINT\n";
	__atomic_add_fetch(&c_runs, 1, __ATOMIC_SEQ_CST);
	write(1, line, sizeof line - 1);
}

__attribute__((constructor)) static void install_c_handler(void) {
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = c_handler;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &before);
}
*/
import "C"

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"sync/atomic"
	"time"
	"unsafe"
)

// The main goroutine stays on the main thread, which is where the kernel
// delivers a kill(2)ed signal when that thread does not block it.
func init() { runtime.LockOSThread() }

var sink uint64
var notified int32 // set once the Notify channel delivers SIGINT

func main() {
	noNotify := flag.Bool("no-notify", false, "do not call signal.Notify")
	flag.Parse()
	sigs := make(chan os.Signal, 1)
	if !*noNotify {
		signal.Notify(sigs, os.Interrupt)
	}
	go func() {
		<-sigs
		atomic.StoreInt32(&notified, 1)
	}()
	// Let the runtime start its threads first: a thread that creates another
	// blocks every signal meanwhile (_cgo_sys_thread_start), and the kernel
	// then gives a kill(2)ed signal to some other thread.
	time.Sleep(100 * time.Millisecond)
	fmt.Println("READY")
	// Spin with no calls, so the main thread stays on the goroutine's stack:
	// with async preemption off, nothing but a signal interrupts it.
	runs := (*int32)(unsafe.Pointer(&C.c_runs))
	for i := 0; i < 1<<33 && atomic.LoadInt32(runs) == 0 && atomic.LoadInt32(&notified) == 0; i++ {
		sink += uint64(i)
	}
	time.Sleep(200 * time.Millisecond) // time for the other handler to show up
	fmt.Println("C handler ran", atomic.LoadInt32(runs), "times")
	fmt.Println("Notify got", map[int32]string{0: "nothing", 1: "interrupt"}[atomic.LoadInt32(&notified)])
}
