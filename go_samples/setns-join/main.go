// setns-join: a Go program joins a container's namespaces with setns(2): the PID namespace only for later children, mount and user namespaces not at all.
// Send: nothing
// Output contains: SETNS pid ok
// Output contains: SETNS mnt EINVAL
// Output contains: SETNS user EINVAL
// Output contains: NSENTER mnt ok
// Exit: 0
//
// The "container" is made here without Docker: unshare(1) starts `sleep` as
// PID 1 of a new PID and mount namespace (--mount-proc), and another `sleep`
// in a new user namespace. Needs root (CAP_SYS_ADMIN), as the article's
// DaemonSet agent has. Each step prints one line:
//
//	SELF pid=<pid> pidns=<ns>              before anything
//	SETNS pid ok | SETNS pid <ERRNO>       setns(fd of the target's ns/pid, CLONE_NEWPID) on a locked thread
//	AFTER getpid=<pid> pidns=<ns> children=<ns> target=<ns>   the thread's own and its children's PID namespace
//	CHILD <thread> sees=<pid> host=<pid> pidns=<ns>   a shell started from the thread that called setns, or from another
//	PROC1 comm=<comm>                      what /proc/1 is for this process after the setns
//	SETNS mnt <ERRNO> | SETNS mnt ok       the mount namespace, same way
//	SETNS user <ERRNO> | SETNS user ok     the user namespace, same way
//	THREADS <n>                            threads this process has (/proc/self/task)
//	NSENTER mnt ok ns=<ns> target=<ns>     nsenter(1), single-threaded, joining the same mount namespace
//
// The targets are killed (their process groups) before the program exits.
package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

var errnoNames = map[syscall.Errno]string{syscall.EINVAL: "EINVAL", syscall.EPERM: "EPERM", syscall.EBADF: "EBADF",
	syscall.ENOSYS: "ENOSYS", syscall.EACCES: "EACCES"}

func errnoName(err error) string {
	var e syscall.Errno
	if errors.As(err, &e) {
		if n, ok := errnoNames[e]; ok {
			return n
		}
		return fmt.Sprintf("errno%d", int(e))
	}
	return err.Error()
}

func link(path string) string {
	s, err := os.Readlink(path)
	if err != nil {
		return "?"
	}
	return s
}

// sysSetns: setns(2)'s number (the syscall package has no SYS_SETNS; golang.org/x/sys/unix.Setns wraps it).
var sysSetns = map[string]uintptr{"amd64": 308, "arm64": 268}

// setns joins the namespace of kind (pid, mnt, user) that process pid is in, on the calling thread.
func setns(pid int, kind string, flag uintptr) error {
	f, err := os.Open(fmt.Sprintf("/proc/%d/ns/%s", pid, kind))
	if err != nil {
		return err
	}
	defer f.Close()
	nr, ok := sysSetns[runtime.GOARCH]
	if !ok {
		return syscall.ENOSYS
	}
	_, _, e := syscall.RawSyscall(nr, f.Fd(), flag, 0)
	if e != 0 {
		return e
	}
	return nil
}

// target starts `unshare <flags> sleep 60` in its own process group and
// returns it with the PID of the process inside the new namespaces.
func target(fork bool, flags ...string) (*exec.Cmd, int) {
	cmd := exec.Command("unshare", append(flags, "sleep", "60")...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		fmt.Println("unshare:", err)
		os.Exit(1)
	}
	if !fork {
		// unshare(1) itself enters the namespaces, then execs sleep.
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			if link(fmt.Sprintf("/proc/%d/ns/user", cmd.Process.Pid)) != link("/proc/self/ns/user") {
				return cmd, cmd.Process.Pid
			}
		}
		fmt.Println("unshare --user did not enter a new user namespace")
		os.Exit(1)
	}
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		kids, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", cmd.Process.Pid, cmd.Process.Pid))
		if f := strings.Fields(string(kids)); len(f) > 0 {
			child, _ := strconv.Atoi(f[0])
			comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", child))
			if strings.TrimSpace(string(comm)) == "sleep" {
				return cmd, child
			}
		}
	}
	fmt.Println("unshare --pid --fork started no sleep")
	os.Exit(1)
	return nil, 0
}

func stop(cmds ...*exec.Cmd) {
	for _, c := range cmds {
		syscall.Kill(-c.Process.Pid, syscall.SIGKILL)
		c.Wait()
	}
}

// child runs a shell that prints the PID it sees for itself and its PID namespace.
func child(which string) {
	cmd := exec.Command("/bin/sh", "-c", `echo "$$ $(readlink /proc/self/ns/pid)"`)
	out, err := cmd.Output()
	if err != nil {
		fmt.Printf("CHILD %s error %v\n", which, err)
		return
	}
	f := strings.Fields(string(out))
	fmt.Printf("CHILD %s sees=%s host=%d pidns=%s\n", which, f[0], cmd.Process.Pid, f[1])
}

func threads() int {
	entries, _ := os.ReadDir("/proc/self/task")
	return len(entries)
}

func main() {
	if os.Geteuid() != 0 {
		fmt.Println("setns-join needs root (CAP_SYS_ADMIN) to create and join namespaces")
		os.Exit(1)
	}
	container, inside := target(true, "--pid", "--fork", "--mount-proc", "--kill-child")
	userns, userPid := target(false, "--user", "--map-root-user")
	defer stop(container, userns)
	fmt.Println("READY")
	fmt.Printf("SELF pid=%d pidns=%s target=%d\n", os.Getpid(), link("/proc/self/ns/pid"), inside)

	done := make(chan bool)
	go func() {
		runtime.LockOSThread() // setns changes this thread only; never hand it back to other goroutines
		if err := setns(inside, "pid", syscall.CLONE_NEWPID); err != nil {
			fmt.Println("SETNS pid", errnoName(err))
		} else {
			fmt.Println("SETNS pid ok")
		}
		fmt.Printf("AFTER getpid=%d pidns=%s children=%s target=%s\n", os.Getpid(),
			link("/proc/thread-self/ns/pid"), link("/proc/thread-self/ns/pid_for_children"),
			link(fmt.Sprintf("/proc/%d/ns/pid", inside)))
		child("same-thread")
		done <- true
		<-done // keep the thread locked (and so out of use) until main is done
	}()
	<-done
	other := make(chan bool)
	go func() {
		runtime.LockOSThread()
		child("other-thread")
		other <- true
	}()
	<-other
	comm, _ := os.ReadFile("/proc/1/comm")
	fmt.Printf("PROC1 comm=%s\n", strings.TrimSpace(string(comm)))

	for _, ns := range []struct {
		kind string
		pid  int
		flag uintptr
	}{{"mnt", inside, syscall.CLONE_NEWNS}, {"user", userPid, syscall.CLONE_NEWUSER}} {
		runtime.LockOSThread()
		if err := setns(ns.pid, ns.kind, ns.flag); err != nil {
			fmt.Println("SETNS", ns.kind, errnoName(err))
		} else {
			fmt.Println("SETNS", ns.kind, "ok")
		}
		runtime.UnlockOSThread()
	}
	fmt.Println("THREADS", threads())
	// nsenter(1) is a single-threaded C program: the same setns(CLONE_NEWNS) works there (with --pid too,
	// so that its child can find itself in the container's /proc).
	out, err := exec.Command("nsenter", "--target", strconv.Itoa(inside), "--mount", "--pid", "--",
		"readlink", "/proc/self/ns/mnt").Output()
	if err != nil {
		fmt.Println("NSENTER mnt", err)
	} else {
		fmt.Printf("NSENTER mnt ok ns=%s target=%s\n", strings.TrimSpace(string(out)),
			link(fmt.Sprintf("/proc/%d/ns/mnt", inside)))
	}
}
