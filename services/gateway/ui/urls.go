package ui

import "net/url"

// BrandURL is path on brand's workspace (?brand=...).
func BrandURL(path, brand string) string {
	if brand == "" {
		return path
	}
	return path + "?brand=" + url.QueryEscape(brand)
}

// DetailURL is the fragment of one item of the inbox.
func DetailURL(brand, id string) string {
	return "/inbox/item?brand=" + url.QueryEscape(brand) + "&id=" + url.QueryEscape(id)
}

// ReplyURL is the fragment of an interaction's reply panel.
func ReplyURL(brand, id string, compact bool) string {
	u := "/inbox/draft?brand=" + url.QueryEscape(brand) + "&id=" + url.QueryEscape(id)
	if compact {
		u += "&compact=1"
	}
	return u
}

// InboxItemURL opens the inbox on one interaction.
func InboxItemURL(brand, id string) string {
	return "/inbox?brand=" + url.QueryEscape(brand) + "&open=" + url.QueryEscape(id)
}

// LockURL is the fragment of an interaction's claim lock (polled: who is
// answering changes while the item is open).
func LockURL(brand, id string) string {
	return "/inbox/lock?brand=" + url.QueryEscape(brand) + "&id=" + url.QueryEscape(id)
}

// SavedRepliesURL is the search of saved replies for an interaction.
func SavedRepliesURL(brand, id string) string {
	return "/inbox/replies?brand=" + url.QueryEscape(brand) + "&id=" + url.QueryEscape(id)
}
