package jirasim

import (
	"fmt"
	"net/http"
	"strconv"
)

// pageRequest is the startAt and maxResults of a paged request.
type pageRequest struct {
	startAt    int
	maxResults int // after clamping to the endpoint's maximum
}

// readPage parses startAt and maxResults. Jira silently lowers a maxResults
// above the endpoint's maximum, so a client must page by the number of
// items returned, not by the number it requested. It sends a 400 and
// returns false for a value that is not a non-negative integer.
func readPage(w http.ResponseWriter, r *http.Request, limit int) (pageRequest, bool) {
	p := pageRequest{startAt: 0, maxResults: 50}
	q := r.URL.Query()
	for _, f := range []struct {
		name string
		dst  *int
	}{{"startAt", &p.startAt}, {"maxResults", &p.maxResults}} {
		raw := q.Get(f.name)
		if raw == "" {
			continue
		}
		n, err := strconv.Atoi(raw)
		if err != nil || n < 0 {
			writeErrors(w, http.StatusBadRequest,
				fmt.Sprintf("Invalid %s %q: use a non-negative integer.", f.name, raw))
			return p, false
		}
		*f.dst = n
	}
	p.maxResults = min(p.maxResults, limit)
	return p, true
}

// window returns the bounds of the page within total items. An injected
// short-page fault cuts the page below maxResults without it being the last.
func (p pageRequest) window(total int, st *requestState) (start, end int) {
	start = min(p.startAt, total)
	end = min(start+p.maxResults, total)
	switch {
	case st.shortPage > 0:
		end = min(end, start+st.shortPage)
	case st.shortPage < 0 && end > start:
		end = start + max(1, (end-start)/2)
	}
	return start, end
}

// envelope returns a page envelope for values[start:end] of total.
func envelope[T any](r *http.Request, siteURL, path string, p pageRequest, start, total int, values []T) pageJSON[T] {
	q := r.URL.Query()
	page := pageJSON[T]{
		Self:       pageLink(siteURL, path, q, p.startAt, p.maxResults),
		MaxResults: p.maxResults,
		StartAt:    p.startAt,
		Total:      total,
		IsLast:     start+len(values) >= total,
		Values:     values,
	}
	if !page.IsLast {
		page.NextPage = pageLink(siteURL, path, q, start+len(values), p.maxResults)
	}
	return page
}
