package callback

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"
)

// ErrForbiddenAddress: the callback URL resolved to an address callbacks may
// not reach (loopback, private, link-local and other special-purpose ranges)
// and the outlet does not allow private callbacks.
var ErrForbiddenAddress = errors.New("callback address not allowed")

// forbidden are the special-purpose ranges (IANA IPv4/IPv6 registries) a
// callback may not reach unless the outlet allows private callbacks.
var forbidden = func() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
		"192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24",
		"203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4", "255.255.255.255/32",
		"::/96", "::ffff:0:0/96", "::ffff:0:0:0/96", "fec0::/10", "64:ff9b::/96", "64:ff9b:1::/48", "100::/64", "2001::/23",
		"2001:db8::/32", "2002::/16", "fc00::/7", "fe80::/10", "ff00::/8",
	} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}()

// AddressAllowed reports whether a callback may connect to ip.
func AddressAllowed(ip netip.Addr, allowPrivate bool) bool {
	if allowPrivate {
		return true
	}
	if !ip.IsValid() || ip.Zone() != "" {
		return false // a zone names an interface: link-local by nature
	}
	ip = ip.Unmap()
	for _, p := range forbidden {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// dialControl checks the address actually dialled, after DNS resolution, so
// a name that resolves (or re-resolves) to a private address is refused.
func dialControl(allowPrivate bool) func(network, address string, c syscall.RawConn) error {
	return func(network, address string, _ syscall.RawConn) error {
		host, _, err := net.SplitHostPort(address)
		if err != nil {
			return fmt.Errorf("%w: %s", ErrForbiddenAddress, address)
		}
		ip, err := netip.ParseAddr(host)
		if err != nil || !AddressAllowed(ip, allowPrivate) {
			return fmt.Errorf("%w: %s", ErrForbiddenAddress, host)
		}
		return nil
	}
}
