// signal-unknown: os/signal handed an os.Signal it does not know: Notify then Stop, Reset or Ignore.
// Send: nothing
// Args: notify-stop
// Output contains: CASE notify-stop
// Exit: 3
// Exit go1.27: 0
//
// An os.Signal that is not a syscall.Signal from 0 to 64 (a type of the
// program's own, or syscall.Signal(99)) has no number: os/signal's signum
// returns -1. Each mode runs one call sequence with such a signal and prints
// one CASE line saying what the call did, then exits 0 (it returned), 3 (it
// was still running after a second) or 4 (it panicked):
//
//	notify-stop        Notify(c, appSignal) then Stop(c)
//	notify-stop-99     Notify(c, syscall.Signal(99)) then Stop(c)
//	notifycontext-stop NotifyContext(ctx, appSignal), then its stop()
//	notify-all-reset   Notify(c) for every signal, then Reset(appSignal)
//	notify-sigsys-ignore Notify(c, SIGSYS), then Ignore(appSignal)
//	notify-usr1-reset  Notify(c, SIGUSR1), then Reset(appSignal)
//
// A second argument sets how long to wait for the call (default 1s). A call
// that has not returned by then is left running; the CASE line then says how
// much CPU the process used while waiting, and whether a later Notify for a
// real signal (which starts os/signal's loop) lets it return.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// appSignal is an os.Signal of the program's own, as code that routes its own
// events (or ports Windows code) through os.Signal may define.
type appSignal string

func (s appSignal) String() string { return string(s) }
func (s appSignal) Signal()        {}

var wait = time.Second

func cpuMillis() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e6
}

// call runs f in a goroutine and reports how it ended: returned, panicked, or still running.
func call(name string, f func()) {
	done := make(chan any, 1)
	cpu0, t0 := cpuMillis(), time.Now()
	go func() {
		defer func() { done <- recover() }()
		f()
	}()
	select {
	case p := <-done:
		if p != nil {
			fmt.Printf("CASE %s: panicked: %v\n", name, p)
			os.Exit(4)
		}
		fmt.Printf("CASE %s: returned after %.3f ms\n", name, float64(time.Since(t0).Microseconds())/1000)
		os.Exit(0)
	case <-time.After(wait):
	}
	cpu := cpuMillis() - cpu0
	// A Notify for a real signal enables it and starts os/signal's loop goroutine.
	signal.Notify(make(chan os.Signal, 1), syscall.SIGUSR2)
	released := "no"
	select {
	case <-done:
		released = "yes"
	case <-time.After(wait):
	}
	fmt.Printf("CASE %s: still running after %v, cpu_ms=%.0f; returned once a later Notify(SIGUSR2) started the loop: %s\n",
		name, wait, cpu, released)
	os.Exit(3)
}

func main() {
	mode := "notify-stop"
	if len(os.Args) > 1 {
		mode = os.Args[1]
	}
	if len(os.Args) > 2 {
		d, err := time.ParseDuration(os.Args[2])
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		wait = d
	}
	c := make(chan os.Signal, 1)
	fmt.Println("READY")
	switch mode {
	case "notify-stop":
		signal.Notify(c, appSignal("reload"))
		call(mode, func() { signal.Stop(c) })
	case "notify-stop-99":
		signal.Notify(c, syscall.Signal(99))
		call(mode, func() { signal.Stop(c) })
	case "notifycontext-stop":
		_, stop := signal.NotifyContext(context.Background(), appSignal("reload"))
		call(mode, stop)
	case "notify-all-reset":
		signal.Notify(c)
		call(mode, func() { signal.Reset(appSignal("reload")) })
	case "notify-sigsys-ignore":
		signal.Notify(c, syscall.SIGSYS)
		call(mode, func() { signal.Ignore(appSignal("reload")) })
	case "notify-usr1-reset":
		signal.Notify(c, syscall.SIGUSR1)
		call(mode, func() { signal.Reset(appSignal("reload")) })
	default:
		fmt.Fprintf(os.Stderr, "unknown mode %q\n", mode)
		os.Exit(2)
	}
}
