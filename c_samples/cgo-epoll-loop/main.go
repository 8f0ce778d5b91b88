// cgo-epoll-loop: a C event loop blocked in epoll_wait on a Go thread: a signal handled on that thread makes epoll_wait fail with EINTR; Ctrl+C still works.
// Send: SIGUSR1; tty ^C after "GO got user defined signal 1"
// Args: -notify
// Output contains: GO got interrupt
// Output contains: LOOP returned 113
// Exit: 130
//
// A goroutine locks its thread and calls run_loop, which waits in
// epoll_wait(-1) for a byte on a pipe. epoll_wait is never restarted after a
// signal handler, SA_RESTART or not (signal(7)): whenever a signal is handled
// on this thread, the call fails with EINTR. The loop prints "EINTR n" and,
// unless -retry=false, waits again. The Go runtime has a handler for nearly
// every signal, so even a signal Go then ignores (SIGUSR1 with no Notify)
// interrupts it.
//
// -notify: signal.Notify for SIGINT and SIGUSR1; each prints "GO got <sig>",
// and SIGINT writes 'q' into the pipe (the loop returns 113), then exit 130.
// Without -notify, SIGINT kills the program as usual. A goroutine allocates
// in the background all along (-churn, default on), so garbage collections
// and the runtime's own preemption signals (SIGURG) happen meanwhile.
// Prints "LOOP tid=<tid>" (the thread in epoll_wait) before READY.
package main

/*
#include <errno.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <unistd.h>

static int efd = -1, pipefd[2];

static int loop_setup(void) {
	if (pipe(pipefd) != 0) return -1;
	efd = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = pipefd[0]};
	return epoll_ctl(efd, EPOLL_CTL_ADD, pipefd[0], &ev);
}

// run_loop waits for a byte on the pipe; returns it, or -1 on EINTR when retry is 0.
static int run_loop(int retry) {
	long eintr = 0;
	printf("LOOP tid=%ld\n", (long)syscall(SYS_gettid));
	fflush(stdout);
	for (;;) {
		struct epoll_event ev;
		int n = epoll_wait(efd, &ev, 1, -1);
		if (n < 0 && errno == EINTR) {
			printf("EINTR %ld\n", ++eintr);
			fflush(stdout);
			if (!retry) return -1;
			continue;
		}
		if (n < 0) return -2;
		char c = 0;
		if (read(pipefd[0], &c, 1) != 1) return -3;
		return c;
	}
}

static void loop_stop(char c) { (void)!write(pipefd[1], &c, 1); }
*/
import "C"

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"time"
)

var sink []byte

func main() {
	notify := flag.Bool("notify", false, "signal.Notify for SIGINT and SIGUSR1")
	retry := flag.Bool("retry", true, "wait again after EINTR")
	churn := flag.Bool("churn", true, "allocate in the background (garbage collections, preemption)")
	flag.Parse()
	if C.loop_setup() != 0 {
		fmt.Println("epoll set-up failed")
		os.Exit(1)
	}
	sigs := make(chan os.Signal, 8)
	if *notify {
		signal.Notify(sigs, syscall.SIGINT, syscall.SIGUSR1)
	}
	if *churn {
		go func() {
			for {
				sink = make([]byte, 1<<20)
				time.Sleep(time.Millisecond)
			}
		}()
	}
	done := make(chan int)
	go func() {
		runtime.LockOSThread()
		r := int(C.run_loop(map[bool]C.int{true: 1, false: 0}[*retry]))
		fmt.Println("LOOP returned", r)
		done <- r
	}()
	time.Sleep(50 * time.Millisecond) // the LOOP line is printed before epoll_wait is entered
	fmt.Println("READY")
	for {
		select {
		case s := <-sigs:
			fmt.Println("GO got", s)
			if s == syscall.SIGINT {
				C.loop_stop('q')
				<-done
				os.Exit(130)
			}
		case <-done:
			fmt.Println("the event loop has ended; the program goes on")
			select {}
		}
	}
}
