package sshserve

import (
	"crypto/ed25519"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// FuzzKeyOptions feeds the options field of an authorized_keys line, and a client address, to
// the options parser both as OpenSSH's parser splits it and split at every comma. The parser never
// panics; option names are case-insensitive; an accepted from= list passes checkFrom and decides
// admission exactly as matchFrom does; an entry without restrictions admits everyone; and a
// pattern always matches its own text. Seeds: testdata/fuzz/FuzzKeyOptions.
func FuzzKeyOptions(f *testing.F) {
	pub, err := gossh.NewPublicKey(ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize)).Public())
	if err != nil {
		f.Fatal(err)
	}
	key := strings.TrimSpace(string(gossh.MarshalAuthorizedKey(pub)))
	f.Add(`from="10.0.0.0/8,!10.1.*",expiry-time="20300101Z"`, "10.2.3.4:22")
	f.Fuzz(func(t *testing.T, opts, addr string) {
		client := clientAddr(addr)
		if !strings.ContainsAny(opts, "\r\n") {
			if _, _, parsed, _, err := gossh.ParseAuthorizedKey([]byte(opts + " " + key + " c")); err == nil {
				checkKeyOptions(t, parsed, client)
			}
		}
		checkKeyOptions(t, strings.Split(opts, ","), client)
		if !wildcard(opts, opts) {
			t.Errorf("pattern %q does not match its own text", opts)
		}
	})
}

// checkKeyOptions parses options and checks what FuzzKeyOptions promises of the result.
func checkKeyOptions(t *testing.T, options []string, client net.Addr) {
	e, err := parseKeyOptions("f:1", options)
	upper := make([]string, len(options))
	for i, o := range options {
		name, value, has := strings.Cut(o, "=")
		upper[i] = strings.ToUpper(name)
		if has {
			upper[i] += "=" + value
		}
	}
	eu, errU := parseKeyOptions("f:1", upper)
	if (err == nil) != (errU == nil) || err == nil && (e.from != eu.from || !e.expiry.Equal(eu.expiry)) {
		t.Fatalf("%q gives %+v, %v but upper-cased %+v, %v", options, e, err, eu, errU)
	}
	if err != nil {
		return
	}
	if cerr := checkFrom(e.from); e.from != "" && cerr != nil {
		t.Fatalf("%q accepted from=%q, which checkFrom refuses: %v", options, e.from, cerr)
	}
	before := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	if !e.expiry.IsZero() && !before.Before(e.expiry) {
		return // expired before the check's time: admission says so whatever the address
	}
	why := e.admits(client, before)
	ip, ok := remoteIP(client)
	want := e.from == "" || ok && matchFrom(e.from, ip)
	if (why == "") != want {
		t.Fatalf("%q from %v: admits says %q, matchFrom %v", options, client, why, want)
	}
}

// clientAddr reads an address as "ip:port", or falls back to a TCP loopback address.
func clientAddr(s string) net.Addr {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return net.TCPAddrFromAddrPort(ap)
	}
	return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 22}
}
