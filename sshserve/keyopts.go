package sshserve

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"
)

// keyEntry is one usable authorized_keys line: where it is, and the restrictions of its options
// that deskwatch enforces.
type keyEntry struct {
	where  string    // file:line
	from   string    // the from="…" pattern list; "" allows any address
	expiry time.Time // expiry-time="…"; zero never expires
}

// admits reports why the entry does not let a client from addr in at now, or "" when it does.
func (e keyEntry) admits(addr net.Addr, now time.Time) string {
	if !e.expiry.IsZero() && !now.Before(e.expiry) {
		return fmt.Sprintf("%s: the key expired at %s (expiry-time)", e.where, e.expiry.Format(time.RFC3339))
	}
	if e.from == "" {
		return ""
	}
	ip, ok := remoteIP(addr)
	if !ok || !matchFrom(e.from, ip) {
		return fmt.Sprintf("%s: %s is not in from=%q", e.where, addrString(addr), e.from)
	}
	return ""
}

// ignoredOptions are options deskwatch accepts and has nothing to do for: they restrict or allow
// forwarding, agent, X11, user rc files or the environment, none of which the server offers, and
// pty, which a desk needs anyway.
var ignoredOptions = map[string]bool{
	"restrict": true, "pty": true,
	"no-agent-forwarding": true, "agent-forwarding": true, "no-port-forwarding": true, "port-forwarding": true,
	"no-x11-forwarding": true, "x11-forwarding": true, "no-user-rc": true, "user-rc": true,
	"permitopen": true, "permitlisten": true, "tunnel": true, "environment": true, "no-touch-required": true,
}

// refusedOptions are options whose key deskwatch refuses, with why: honouring them is impossible,
// and ignoring them would let the key do what its owner did not mean.
var refusedOptions = map[string]string{
	"command":         "a desk runs no command; this key was meant for something else",
	"no-pty":          "a desk needs a terminal",
	"cert-authority":  "certificates are not supported",
	"principals":      "certificates are not supported",
	"verify-required": "FIDO user verification is not checked",
}

// parseKeyOptions turns a line's options into the entry's restrictions, or says why the key is
// refused. Option names are case-insensitive, as in OpenSSH; an option deskwatch does not know is
// refused rather than ignored, since it may be a restriction.
func parseKeyOptions(where string, options []string) (keyEntry, error) {
	e := keyEntry{where: where}
	for _, opt := range options {
		name, value, hasValue := strings.Cut(opt, "=")
		name = strings.ToLower(name)
		if why, ok := refusedOptions[name]; ok {
			return e, fmt.Errorf("option %s: %s", name, why)
		}
		if ignoredOptions[name] {
			continue
		}
		if !hasValue {
			return e, fmt.Errorf("option %s: unknown to deskwatch", name)
		}
		value, err := unquote(value)
		if err != nil {
			return e, fmt.Errorf("option %s: %w", name, err)
		}
		switch name {
		case "from":
			if err := checkFrom(value); err != nil {
				return e, fmt.Errorf("option from=%q: %w", value, err)
			}
			if e.from != "" {
				return e, errors.New("option from given twice")
			}
			e.from = value
		case "expiry-time":
			if e.expiry, err = parseExpiry(value); err != nil {
				return e, fmt.Errorf("option expiry-time=%q: %w", value, err)
			}
		default:
			return e, fmt.Errorf("option %s: unknown to deskwatch", name)
		}
	}
	return e, nil
}

// unquote removes an option value's double quotes and its \" escapes.
func unquote(v string) (string, error) {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return "", errors.New("the value must be in double quotes")
	}
	return strings.ReplaceAll(v[1:len(v)-1], `\"`, `"`), nil
}

// parseExpiry reads OpenSSH's YYYYMMDD[HHMM[SS]] time, local unless it ends in Z (UTC).
func parseExpiry(v string) (time.Time, error) {
	loc := time.Local
	if s, ok := strings.CutSuffix(v, "Z"); ok {
		v, loc = s, time.UTC
	}
	layouts := map[int]string{8: "20060102", 12: "200601021504", 14: "20060102150405"}
	layout, ok := layouts[len(v)]
	if !ok {
		return time.Time{}, errors.New("want YYYYMMDD[HHMM[SS]][Z]")
	}
	return time.ParseInLocation(layout, v, loc)
}

// checkFrom rejects a from= list OpenSSH would reject: an empty entry, or a network whose address
// has bits set beyond its mask.
func checkFrom(list string) error {
	for _, p := range strings.Split(list, ",") {
		p = strings.TrimPrefix(p, "!")
		if p == "" {
			return errors.New("an empty pattern")
		}
		if strings.Contains(p, "/") {
			pfx, err := netip.ParsePrefix(p)
			if err != nil {
				return fmt.Errorf("%q: %w", p, err)
			}
			if pfx.Masked() != pfx {
				return fmt.Errorf("%q: the address has bits set beyond the mask (want %s)", p, pfx.Masked())
			}
		}
	}
	return nil
}

// matchFrom applies a from= pattern list to the client's address as sshd does with UseDNS off
// (its default): each entry is an address, a network (10.0.0.0/8) or a pattern with * and ?
// matched against the address's text; a leading ! negates. The address must match an entry and
// no negated one. Host names never match: the server looks none up.
func matchFrom(list string, ip netip.Addr) bool {
	text := ip.String()
	matched := false
	for _, p := range strings.Split(list, ",") {
		neg := strings.HasPrefix(p, "!")
		p = strings.ToLower(strings.TrimPrefix(p, "!"))
		var hit bool
		if pfx, err := netip.ParsePrefix(p); err == nil {
			hit = pfx.Contains(ip)
		} else if a, err := netip.ParseAddr(p); err == nil {
			hit = a.Unmap() == ip
		} else {
			hit = wildcard(p, text)
		}
		if hit && neg {
			return false
		}
		matched = matched || hit
	}
	return matched
}

// wildcard matches s against a pattern where * is any run of characters and ? any one.
func wildcard(pattern, s string) bool {
	px, sx := 0, 0
	star, mark := -1, 0
	for sx < len(s) {
		switch {
		case px < len(pattern) && (pattern[px] == '?' || pattern[px] == s[sx]):
			px++
			sx++
		case px < len(pattern) && pattern[px] == '*':
			star, mark = px, sx
			px++
		case star >= 0:
			px, mark = star+1, mark+1
			sx = mark
		default:
			return false
		}
	}
	for px < len(pattern) && pattern[px] == '*' {
		px++
	}
	return px == len(pattern)
}

// remoteIP is the client's IP address, IPv4 unmapped from IPv6.
func remoteIP(addr net.Addr) (netip.Addr, bool) {
	if tcp, ok := addr.(*net.TCPAddr); ok {
		ip, ok := netip.AddrFromSlice(tcp.IP)
		return ip.Unmap(), ok
	}
	ap, err := netip.ParseAddrPort(addrString(addr))
	if err != nil {
		return netip.Addr{}, false
	}
	return ap.Addr().Unmap(), true
}

func addrString(addr net.Addr) string {
	if addr == nil {
		return "an unknown address"
	}
	return addr.String()
}
