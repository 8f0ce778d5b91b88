// cgo-c-thread-signal: a thread that C created takes SIGINT; the runtime's badsignal path still hands it to Notify.
// Send: SIGINT
// Output contains: C thread tid
// Output contains: got signal: interrupt
// Exit: 130
//
// C starts a thread of its own with pthread_create; it never runs Go code
// and has no g. Aim a signal at it with tgkill(2) and the runtime's handler
// (installed process-wide) runs there anyway: sigtrampgo finds no g and
// calls badsignal instead of sighandler. badsignal borrows an M (needm),
// calls sigsend, which wakes os/signal as usual, and gives the M back
// (dropm). A breakpoint on runtime.sighandler never sees such a signal;
// one on runtime.sigsend does. With -no-notify, sigsend declines and
// raisebadsignal re-raises the signal with its original action: SIGINT
// kills the program.
package main

/*
#define _GNU_SOURCE
#include <pthread.h>
#include <unistd.h>
#include <sys/syscall.h>

static int c_tid;

static void *c_thread(void *arg) {
	__atomic_store_n(&c_tid, (int)syscall(SYS_gettid), __ATOMIC_SEQ_CST);
	for (;;)
		pause(); // returns after each handled signal
	return NULL;
}

// start_c_thread starts the thread and returns its TID.
static int start_c_thread(void) {
	pthread_t t;
	pthread_create(&t, NULL, c_thread, NULL);
	while (__atomic_load_n(&c_tid, __ATOMIC_SEQ_CST) == 0)
		usleep(1000);
	return c_tid;
}
*/
import "C"

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
)

func main() {
	noNotify := flag.Bool("no-notify", false, "do not call signal.Notify")
	flag.Parse()
	sigs := make(chan os.Signal, 1)
	if !*noNotify {
		signal.Notify(sigs, os.Interrupt)
	}
	fmt.Println("C thread tid", C.start_c_thread())
	fmt.Println("READY")
	sig := <-sigs
	fmt.Println("got signal:", sig)
	os.Exit(130)
}
