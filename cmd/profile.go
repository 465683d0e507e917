package cmd

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"runtime"
	rpprof "runtime/pprof"
	"sync"

	"github.com/spf13/pflag"
)

// profileFlags let a user attach a profile to a bug report.
type profileFlags struct {
	cpu, mem, debugAddr string
	// heap writes the --memprofile file, once (nil without --memprofile): a pipeline calls it as it
	// closes, while its store is still alive, so that the profile shows what the monitor held; the
	// stop function calls it for runs that never built one.
	heap func()
}

func (p *profileFlags) register(f *pflag.FlagSet) {
	f.StringVar(&p.cpu, "cpuprofile", "", "write a CPU profile to this file")
	f.StringVar(&p.mem, "memprofile", "", "write a heap profile to this file on exit")
	f.StringVar(&p.debugAddr, "debug-addr", "", "serve pprof on this loopback address (e.g. 127.0.0.1:6060)")
}

// start begins the requested profiles and returns the function that ends them.
func (p *profileFlags) start(log *slog.Logger) (func(), error) {
	var stops []func()
	stop := func() {
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
	}
	if p.cpu != "" {
		f, err := os.Create(p.cpu)
		if err != nil {
			return nil, fmt.Errorf("--cpuprofile: %w", err)
		}
		if err := rpprof.StartCPUProfile(f); err != nil {
			f.Close()
			return nil, fmt.Errorf("--cpuprofile: %w", err)
		}
		stops = append(stops, func() { rpprof.StopCPUProfile(); f.Close() })
	}
	if p.mem != "" {
		// Sample every 64 KiB allocated rather than every 512 KiB: the store is many small rows,
		// and at the default rate how much of it a profile shows varied from run to run.
		runtime.MemProfileRate = 64 << 10
		path := p.mem
		var once sync.Once
		p.heap = func() { once.Do(func() { writeHeapProfile(path, log) }) }
		stops = append(stops, p.heap)
	}
	if p.debugAddr != "" {
		srv, err := servePprof(p.debugAddr, log)
		if err != nil {
			stop()
			return nil, err
		}
		stops = append(stops, func() { srv.Close() })
	}
	return stop, nil
}

// writeHeapProfile writes the in-use heap, after a collection, to path.
func writeHeapProfile(path string, log *slog.Logger) {
	f, err := os.Create(path)
	if err != nil {
		log.Error("memprofile", "err", err)
		return
	}
	defer f.Close()
	runtime.GC()
	if err := rpprof.WriteHeapProfile(f); err != nil {
		log.Error("memprofile", "err", err)
	}
}

// heapProfile writes --memprofile now, if it was asked for and not yet written.
func (p *profileFlags) heapProfile() {
	if p.heap != nil {
		p.heap()
	}
}

func servePprof(addr string, log *slog.Logger) (*http.Server, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("--debug-addr: %w", err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("--debug-addr %s: pprof is only served on a loopback address", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--debug-addr: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux}
	log.Info("pprof: serving", "url", "http://"+ln.Addr().String()+"/debug/pprof/") // the port of :0
	go func() {
		if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			log.Error("pprof server", "err", err)
		}
	}()
	return srv, nil
}
