package admin

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"time"

	"gatekeeper/internal/callback"
)

// CallbackAddressError: a callback URL points at an address callbacks may
// not reach (loopback, private, link-local...) and the outlet does not
// allow private callbacks. Said when the address is configured, not
// discovered after the first approval.
type CallbackAddressError struct {
	URL  string
	Addr netip.Addr
}

func (e *CallbackAddressError) Error() string {
	return fmt.Sprintf("địa chỉ callback %q trỏ tới %s, một địa chỉ nội bộ hoặc loopback nên Gatekeeper sẽ không gửi tới được: "+
		"hãy dùng địa chỉ công khai của CMS, hoặc nếu CMS nằm trong mạng nội bộ thì bật --allow-private-callback "+
		"(trong bảng điều khiển: ô “Cho phép địa chỉ nội bộ”) / callback URL %q points at %s, a private or loopback address "+
		"callbacks may not reach: use the CMS's public address or, for a CMS on the internal network, set --allow-private-callback "+
		"(in the console: “Allow private address”)", e.URL, e.Addr, e.URL, e.Addr)
}

// Resolver finds the addresses of a host name.
type Resolver func(ctx context.Context, host string) ([]netip.Addr, error)

// SystemResolver asks the system's resolver, for at most two seconds.
func SystemResolver(ctx context.Context, host string) ([]netip.Addr, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
}

// CheckCallbackAddress refuses a callback URL whose host is, or resolves
// to, an address the callback worker will refuse to dial (the same rule:
// callback.AddressAllowed), unless allowPrivate. A name that does not
// resolve now is let through: the worker reports it when it delivers.
func CheckCallbackAddress(ctx context.Context, rawURL string, allowPrivate bool, resolve Resolver) error {
	if rawURL == "" || allowPrivate {
		return nil
	}
	u, err := url.Parse(rawURL)
	if err != nil || u.Hostname() == "" {
		return nil // Validate says what is wrong with the URL itself
	}
	host := u.Hostname()
	var addrs []netip.Addr
	if ip, err := netip.ParseAddr(host); err == nil {
		addrs = []netip.Addr{ip}
	} else if resolve != nil {
		addrs, _ = resolve(ctx, host)
	}
	for _, ip := range addrs {
		if !callback.AddressAllowed(ip, false) {
			return &CallbackAddressError{URL: rawURL, Addr: ip.Unmap()}
		}
	}
	return nil
}
