// sd-notify-service: speaks systemd's notify protocol by hand (READY=1, WATCHDOG=1, STOPPING=1 on NOTIFY_SOCKET).
// Send: SIGTERM
// Output contains: NOTIFY_SOCKET not set: running unsupervised
// Output contains: stopping: exit 143
// Exit: 143
//
// The protocol is one datagram per message on the unix datagram socket named
// by NOTIFY_SOCKET (a path, or "@name" for the abstract namespace, which Go's
// net package maps to a leading NUL byte itself): "READY=1" when start-up is
// done, "WATCHDOG=1" at least every WATCHDOG_USEC microseconds (we send it
// every half of that, as sd_watchdog_enabled(3) recommends), "STOPPING=1"
// when shutting down. net.DialUnix("unixgram", ...) is all it takes; no module.
// WATCHDOG_PID, when set, must be our PID or the watchdog is not ours.
//
// A worker does a job every 10 ms under a mutex and publishes its job count
// with each ping as STATUS=jobs <n>. HANG_AFTER=<n> makes it deadlock after the
// n-th ping: it takes the mutex and waits forever for a reply that never comes.
// PING_MODE picks how the watchdog is fed:
//
//	health  (default) each ping first takes the worker's mutex: a stuck
//	        worker stops the pings, and the supervisor notices
//	ticker  an independent goroutine pings on a timer, whatever the worker does
//
// Without NOTIFY_SOCKET it runs unsupervised. SIGTERM: STOPPING=1, exit 143.
package main

import (
	"fmt"
	"net"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

var (
	mu   sync.Mutex
	jobs atomic.Int64
)

// notify sends one datagram to NOTIFY_SOCKET; it does nothing when the variable is unset.
func notify(state string) error {
	name := os.Getenv("NOTIFY_SOCKET")
	if name == "" {
		return nil
	}
	conn, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: name, Net: "unixgram"})
	if err != nil {
		return err
	}
	defer conn.Close()
	_, err = conn.Write([]byte(state))
	return err
}

// watchdogInterval is WATCHDOG_USEC, or 0 when the supervisor wants no pings from us.
func watchdogInterval() time.Duration {
	usec, err := strconv.ParseInt(os.Getenv("WATCHDOG_USEC"), 10, 64)
	if err != nil || usec <= 0 {
		return 0
	}
	if pid := os.Getenv("WATCHDOG_PID"); pid != "" && pid != strconv.Itoa(os.Getpid()) {
		return 0
	}
	return time.Duration(usec) * time.Microsecond
}

func work(hang chan struct{}) {
	never := make(chan struct{})
	for {
		select {
		case <-hang:
			mu.Lock()
			fmt.Printf("HANG: the worker holds the mutex and waits forever (after %d jobs)\n", jobs.Load())
			<-never
		case <-time.After(10 * time.Millisecond):
			mu.Lock()
			jobs.Add(1)
			mu.Unlock()
		}
	}
}

// feed pings every interval/2; in health mode only after taking the worker's mutex.
func feed(interval time.Duration, health bool, hangAfter int, hang chan struct{}) {
	tick := time.NewTicker(interval / 2)
	for n := 1; ; n++ {
		<-tick.C
		if health {
			mu.Lock()
			mu.Unlock()
		}
		if err := notify(fmt.Sprintf("WATCHDOG=1\nSTATUS=jobs %d", jobs.Load())); err != nil {
			fmt.Println("notify:", err)
		}
		if n == hangAfter {
			close(hang)
		}
	}
}

func main() {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM)
	hangAfter, _ := strconv.Atoi(os.Getenv("HANG_AFTER"))
	mode := os.Getenv("PING_MODE")
	if mode == "" {
		mode = "health"
	}
	hang := make(chan struct{})
	go work(hang)

	if os.Getenv("NOTIFY_SOCKET") == "" {
		fmt.Println("NOTIFY_SOCKET not set: running unsupervised")
	} else if err := notify(fmt.Sprintf("READY=1\nMAINPID=%d\nSTATUS=serving", os.Getpid())); err != nil {
		fmt.Println("notify:", err)
		os.Exit(1)
	}
	if interval := watchdogInterval(); interval > 0 {
		go feed(interval, mode == "health", hangAfter, hang)
		fmt.Printf("watchdog %v, pinging every %v (%s mode)\n", interval, interval/2, mode)
	}
	fmt.Println("READY")
	<-sigs
	notify("STOPPING=1")
	fmt.Println("stopping: exit 143")
	os.Exit(143)
}
