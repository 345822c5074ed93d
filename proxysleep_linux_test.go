package freddy

import (
	"os"
	"syscall"
	"time"
	"unsafe"
)

// A sleeper wakes a delayProxy's writer at a chunk's due time, within a
// few tens of microseconds on an idle machine. time.Sleep is up to a
// millisecond late: the Go runtime waits for its timers in whole
// milliseconds (epoll_wait's timeout, runtime/netpoll_epoll.go), rounding a
// remainder under 1 ms up to 1 ms, which added about 0.6 ms to each
// delivery (1.2 ms to a round trip) that a real network does not add. A
// timerfd in the runtime's poller wakes epoll_wait when the kernel's
// high-resolution timer fires instead. A blocking nanosleep would also be
// on time, but it holds its P: with every P asleep in it, the proxy's
// readers would wait for sysmon, up to 10 ms.
type sleeper struct {
	fd int
	f  *os.File // fd in the poller; never f.Fd(), which makes it blocking
}

// newSleeper returns a sleeper, or nil where the kernel refuses a timerfd
// (sleepUntil then falls back to time.Sleep).
func newSleeper() *sleeper {
	const clockMonotonic = 1
	fd, _, errno := syscall.RawSyscall(syscall.SYS_TIMERFD_CREATE, clockMonotonic, syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if errno != 0 {
		return nil
	}
	return &sleeper{fd: int(fd), f: os.NewFile(fd, "timerfd")}
}

// sleepUntil returns at due, or at once when due has passed.
func (s *sleeper) sleepUntil(due time.Time) {
	d := time.Until(due)
	if d <= 0 {
		return
	}
	if s == nil {
		time.Sleep(d)
		return
	}
	spec := [2]syscall.Timespec{{}, syscall.NsecToTimespec(int64(d))} // interval 0, value d
	if _, _, errno := syscall.Syscall6(syscall.SYS_TIMERFD_SETTIME, uintptr(s.fd), 0, uintptr(unsafe.Pointer(&spec)), 0, 0, 0); errno != 0 {
		time.Sleep(d)
		return
	}
	var expirations [8]byte
	_, _ = s.f.Read(expirations[:])
}

func (s *sleeper) close() {
	if s != nil {
		_ = s.f.Close()
	}
}
