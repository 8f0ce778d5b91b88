// http-graceful: an http.Server on 127.0.0.1 drains in-flight requests on SIGTERM or Ctrl+C, then exits 143 or 130.
// Send: SIGTERM
// Output contains: LISTEN 127.0.0.1:
// Output contains: shutdown: terminated, grace 5s
// Output contains: drained: exit 143
// Exit: 143
//
// GET /slow?ms=N answers "done" after N ms. The first SIGTERM or SIGINT calls
// srv.Shutdown with a deadline of -grace: the listener closes at once (new
// connections are refused), running handlers finish and are answered, then
// the program exits 128+signal (143 for SIGTERM, 130 for SIGINT). A second
// signal during the shutdown forces the exit at once (same code); if the
// deadline passes first, srv.Close cuts the remaining connections and the
// program exits 1.
//
// -signals picks what is Notify'd: "both" (default) or "interrupt" (only
// os.Interrupt, as in the article's systemd table: then SIGTERM still kills
// the process by default). -wait=false is the classic bug: main returns as
// soon as ListenAndServe returns http.ErrServerClosed, without waiting for
// Shutdown to finish. Every request prints "BEGIN <id>" and "END <id>"; the exit,
// "STAMP exit <CLOCK_MONOTONIC ns>".
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"

	"sigcamp/internal/stamp"
)

var inflight atomic.Int64

func slow(w http.ResponseWriter, r *http.Request) {
	ms, _ := strconv.Atoi(r.URL.Query().Get("ms"))
	id := r.URL.Query().Get("id")
	fmt.Printf("BEGIN %s inflight=%d\n", id, inflight.Add(1))
	time.Sleep(time.Duration(ms) * time.Millisecond)
	fmt.Fprintf(w, "done %s\n", id)
	inflight.Add(-1)
	fmt.Printf("END %s\n", id)
}

// exit stamps the moment of leaving (STAMP exit <CLOCK_MONOTONIC ns>), then exits.
func exit(code int) {
	stamp.Print("exit")
	os.Exit(code)
}

func exitCode(sig os.Signal) int {
	if sig == syscall.SIGTERM {
		return 143
	}
	return 130
}

func main() {
	grace := flag.Duration("grace", 5*time.Second, "how long Shutdown may wait for running handlers")
	which := flag.String("signals", "both", `signals that start the shutdown: "both" or "interrupt"`)
	wait := flag.Bool("wait", true, "wait for Shutdown to finish before exiting")
	flag.Parse()

	sigs := make(chan os.Signal, 2)
	if *which == "interrupt" {
		signal.Notify(sigs, os.Interrupt)
	} else {
		signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println("listen:", err)
		os.Exit(1)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/slow", slow)
	srv := &http.Server{Handler: mux}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Printf("LISTEN %s\nREADY\n", ln.Addr())

	var first os.Signal
	select {
	case first = <-sigs:
	case err := <-served:
		fmt.Println("serve:", err)
		os.Exit(1)
	}
	fmt.Printf("shutdown: %v, grace %v, %d in flight\n", first, *grace, inflight.Load())
	ctx, cancel := context.WithTimeout(context.Background(), *grace)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- srv.Shutdown(ctx) }()

	if !*wait {
		err := <-served // returns ErrServerClosed as soon as Shutdown closes the listener
		fmt.Printf("serve returned %v: exit %d without waiting\n", err, exitCode(first))
		exit(exitCode(first))
	}
	select {
	case second := <-sigs:
		fmt.Printf("second signal (%v): forced exit %d, %d in flight\n", second, exitCode(first), inflight.Load())
		exit(exitCode(first))
	case err := <-done:
		if errors.Is(err, context.DeadlineExceeded) {
			srv.Close()
			fmt.Printf("shutdown: %v, %d cut: exit 1\n", err, inflight.Load())
			exit(1)
		}
		fmt.Printf("drained: exit %d\n", exitCode(first))
		exit(exitCode(first))
	}
}
