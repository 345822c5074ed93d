package freddy

import "context"

// pageAhead is the next page of a ListAll, fetched on a goroutine of its own
// while the loop works on the page before.
type pageAhead struct {
	cancel context.CancelFunc
	done   chan struct{}
	page   *ConfigurationPage
	err    error
	// dst is the caller's WithResponseInto target and resp this fetch's
	// own: the loop may read dst while the page is fetched, so it is
	// written only when the page is handed over.
	dst  *Response
	resp Response
}

// responseTarget is the Response opts ask a call to write, nil if none.
func responseTarget(opts []RequestOption) *Response {
	var rc requestConfig
	rc.apply(opts)
	return rc.responseInto
}

// fetchAhead starts List(ctx, p, opts) on a goroutine under a context that
// take and stop cancel. dst is opts' responseTarget.
func (s *ConfigurationsService) fetchAhead(ctx context.Context, p ListConfigurationsParams, opts []RequestOption, dst *Response) *pageAhead {
	ctx, cancel := context.WithCancel(ctx)
	a := &pageAhead{cancel: cancel, done: make(chan struct{}), dst: dst}
	if dst != nil {
		// The last WithResponseInto wins.
		opts = append(opts[:len(opts):len(opts)], WithResponseInto(&a.resp))
	}
	go func() {
		defer close(a.done)
		a.page, a.err = s.List(ctx, p, opts...)
	}()
	return a
}

// take waits for the page (or its error: the fetch's context ends with the
// loop's) and hands it over.
func (a *pageAhead) take() (*ConfigurationPage, error) {
	<-a.done
	a.cancel()
	if a.dst != nil {
		*a.dst = a.resp
	}
	return a.page, a.err
}

// stop cancels the fetch and waits for its goroutine: after a break, no
// request is in flight and none is sent.
func (a *pageAhead) stop() {
	if a == nil {
		return
	}
	a.cancel()
	<-a.done
}
