// latency-notify: stamps when each SIGUSR1 comes out of a signal.Notify channel, and reports the GC pauses around it.
// Args: -load churn
// Send: SIGUSR1; SIGTERM after "STAMP received"
// Output contains: CALIBRATE
// Output contains: STAMP received
// Output contains: HIST /sched/pauses/total/gc:seconds
// Exit: 143
// Wait: 5
//
// -load picks what runs beside the receiver:
//
//	idle   nothing: the runtime's handler wakes the os/signal loop goroutine,
//	       which wakes ours through the channel
//	churn  one goroutine allocating as fast as it can over -live nodes: GC all the time
//	spin   a goroutine spinning in a loop that makes no calls, and runtime.GC()
//	       every -gc-every; run it with GODEBUG=asyncpreemptoff=1 and every
//	       stop-the-world waits for the spin to end (the spinner calls
//	       runtime.Gosched between chunks of -spin, so it does end)
//	gc     runtime.GC() every -gc-every over -live nodes, nothing else: a
//	       GC at a fixed frequency, as the article's latency table describes
//
// For every signal: stamp.Now() as the channel delivers it, then the GC cycles
// that ended since the last look (debug.ReadGCStats keeps only the last 256), as
//
//	PAUSE <cycle> <end, CLOCK_MONOTONIC ns> <pause ns>   (or GCLOST <cycles> <from ns> <to ns>)
//
// and last "STAMP received <ns>", which tells the sender it may send the next one.
// Pause is the sum of the cycle's two stop-the-worlds and PauseEnd the end of the
// second; run with GODEBUG=gctrace=1 and the runtime's "gc <cycle> ... a+b+c ms
// clock" lines on stderr say where the first one was.
// PauseEnd is wall-clock time; it is converted with a (monotonic, wall) pair read
// back to back. CALIBRATE <before> <pause end> <after> checks the conversion on a
// runtime.GC() made between two stamps before READY. SIGTERM prints the
// runtime/metrics histograms (HIST <name> <low s> <high s> <count>) and exits 143.
//
// Built with the runtime overlay of sigcamp.latency_stages, which stamps the
// runtime's own steps, each SIGUSR1 also gets, before its STAMP line,
//
//	STAGES <handler entry> <sigsend waking the loop> <signal_recv woke> <handler tid> <loop tid> <receiver tid>
//
// (CLOCK_MONOTONIC ns from runtime.nanotime, thread ids from gettid); a plain
// build has no `stages` and prints none.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"syscall"
	"time"

	"sigcamp/internal/stamp"
)

var out = bufio.NewWriter(os.Stdout)

// stages reads the runtime's stamps of the latest SIGUSR1: handler entry,
// sigsend waking the loop, signal_recv woke, handler tid, loop tid. Only a build with the
// stage overlay (a file it adds to this package) sets it.
var stages func() [5]int64

// gcLog turns the runtime's last-256 pause history into PAUSE lines, once each.
type gcLog struct {
	stats  debug.GCStats
	seen   int64 // GC cycles already reported
	lookNs int64 // CLOCK_MONOTONIC of the previous look
}

// monoMinusWall reads CLOCK_MONOTONIC around one wall-clock reading and returns
// the offset that turns Unix ns into CLOCK_MONOTONIC ns, and the monotonic now.
// It keeps the tightest of a few tries, in case the thread was descheduled.
func monoMinusWall() (offset, now int64) {
	best := int64(-1)
	for try := 0; try < 5; try++ {
		m1 := stamp.Now()
		w := time.Now().UnixNano()
		m2 := stamp.Now()
		if best < 0 || m2-m1 < best {
			best, now = m2-m1, m1+(m2-m1)/2
			offset = now - w
		}
		if best < 2000 {
			break
		}
	}
	return offset, now
}

func (g *gcLog) look() {
	debug.ReadGCStats(&g.stats)
	offset, now := monoMinusWall()
	fresh := g.stats.NumGC - g.seen
	kept := int64(len(g.stats.Pause))
	if fresh > kept { // older cycles fell out of the 256-entry ring
		to := now
		if kept > 0 {
			to = g.stats.PauseEnd[kept-1].UnixNano() + offset
		}
		fmt.Fprintf(out, "GCLOST %d %d %d\n", fresh-kept, g.lookNs, to)
		fresh = kept
	}
	for i := fresh - 1; i >= 0; i-- { // oldest first
		end := g.stats.PauseEnd[i].UnixNano() + offset
		fmt.Fprintf(out, "PAUSE %d %d %d\n", g.stats.NumGC-i, end, g.stats.Pause[i].Nanoseconds())
	}
	g.seen = g.stats.NumGC
	g.lookNs = now
}

// calibrate runs one GC between two stamps: its converted PauseEnd must fall between them.
func (g *gcLog) calibrate() {
	before := stamp.Now()
	runtime.GC()
	after := stamp.Now()
	debug.ReadGCStats(&g.stats)
	offset, now := monoMinusWall()
	fmt.Fprintf(out, "CALIBRATE %d %d %d\n", before, g.stats.PauseEnd[0].UnixNano()+offset, after)
	g.seen, g.lookNs = g.stats.NumGC, now // pauses before this one are not reported
}

type node struct {
	next *node
	pad  [6]uint64
}

// churn allocates forever, keeping `live` nodes reachable so every GC has marking to do.
func churn(live int) {
	keep := make([]*node, live)
	x := uint64(1)
	for {
		for i := 0; i < 1024; i++ {
			x = x*6364136223846793005 + 1442695040888963407
			n := &node{next: keep[(x>>33)%uint64(live)]}
			keep[(x>>17)%uint64(live)] = n
			_ = make([]byte, 64+x%512) // short-lived garbage
		}
	}
}

var sink uint64

// spinChunk's loop makes no calls: with asyncpreemptoff=1 it cannot be stopped.
//
//go:noinline
func spinChunk(n uint64) uint64 {
	x := sink
	for i := uint64(0); i < n; i++ {
		x = x*2862933555777941757 + 3037000493
	}
	return x
}

// chunkFor finds how many iterations of spinChunk take about d.
func chunkFor(d time.Duration) uint64 {
	const probe = 1 << 20
	t := stamp.Now()
	sink = spinChunk(probe)
	took := stamp.Now() - t
	if took <= 0 {
		took = 1
	}
	return uint64(float64(probe) * float64(d.Nanoseconds()) / float64(took))
}

// keepHeap makes `live` nodes reachable, so every GC cycle has them to mark.
func keepHeap(live int) {
	heap = make([]*node, live)
	for i := range heap {
		heap[i] = &node{}
	}
}

// collect starts a GC cycle every `every` (a tick that comes while a cycle still runs is skipped).
func collect(every time.Duration) {
	for range time.Tick(every) {
		runtime.GC()
	}
}

var heap []*node

func spin(n uint64) {
	for {
		sink = spinChunk(n)
		runtime.Gosched() // with asyncpreemptoff=1, the only point where a stop-the-world gets in
	}
}

func orDefault(n, def int) int {
	if n > 0 {
		return n
	}
	return def
}

func printHistograms() {
	names := []string{"/sched/pauses/total/gc:seconds", "/sched/pauses/stopping/gc:seconds", "/sched/latencies:seconds"}
	samples := make([]metrics.Sample, len(names))
	for i, name := range names {
		samples[i].Name = name
	}
	metrics.Read(samples)
	for _, s := range samples {
		if s.Value.Kind() != metrics.KindFloat64Histogram {
			fmt.Fprintf(out, "HIST %s unsupported\n", s.Name)
			continue
		}
		h := s.Value.Float64Histogram()
		for i, c := range h.Counts {
			if c > 0 {
				fmt.Fprintf(out, "HIST %s %g %g %d\n", s.Name, h.Buckets[i], h.Buckets[i+1], c)
			}
		}
		fmt.Fprintf(out, "HIST %s total\n", s.Name)
	}
}

func main() {
	load := flag.String("load", "idle", "idle, churn, spin or gc")
	live := flag.Int("live", 0, "nodes kept reachable (default: 131072 for churn, 16384 for spin, 1048576 for gc)")
	chunk := flag.Duration("spin", 10*time.Millisecond, "length of one spin between runtime.Gosched calls")
	every := flag.Duration("gc-every", 20*time.Millisecond, "spin and gc: time between forced GC cycles")
	flag.Parse()

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGUSR1, syscall.SIGTERM)
	start := func() {}
	switch *load {
	case "idle":
	case "churn":
		start = func() { go churn(orDefault(*live, 1<<17)) }
	case "spin":
		keepHeap(orDefault(*live, 1<<14))
		start = func() {
			go spin(chunkFor(*chunk))
			go collect(*every)
		}
	case "gc":
		keepHeap(orDefault(*live, 1<<20))
		start = func() { go collect(*every) }
	default:
		fmt.Fprintf(os.Stderr, "unknown -load %q: use idle, churn, spin or gc\n", *load)
		os.Exit(2)
	}
	var g gcLog
	g.calibrate() // the cycles the heap's growth made are before it, not reported
	start()
	fmt.Fprintf(out, "load %s GOMAXPROCS=%d GODEBUG=%s\nREADY\n", *load, runtime.GOMAXPROCS(0), os.Getenv("GODEBUG"))
	out.Flush()
	for sig := range sigs {
		received := stamp.Now()
		if stages != nil && sig == syscall.SIGUSR1 {
			tid := syscall.Gettid()
			s := stages()
			fmt.Fprintf(out, "STAGES %d %d %d %d %d %d\n", s[0], s[1], s[2], s[3], s[4], tid)
		}
		if sig == syscall.SIGTERM {
			g.look()
			printHistograms()
			fmt.Fprintln(out, "got SIGTERM: exit 143")
			out.Flush()
			os.Exit(143)
		}
		g.look()
		fmt.Fprintf(out, "STAMP received %d\n", received)
		out.Flush()
	}
}
