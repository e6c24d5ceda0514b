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
