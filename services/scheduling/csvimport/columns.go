package csvimport

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Field is a column of the import, whatever its header says.
type Field string

// The columns. Date, time, networks and text are required.
const (
	FieldDate         Field = "date"
	FieldTime         Field = "time"
	FieldZone         Field = "zone"
	FieldNetworks     Field = "networks"
	FieldAccount      Field = "account"
	FieldText         Field = "text"
	FieldLink         Field = "link"
	FieldMedia        Field = "media"
	FieldAlt          Field = "alt_text"
	FieldFirstComment Field = "first_comment"
	FieldCampaign     Field = "campaign"
	FieldLabels       Field = "labels"
	FieldEvergreen    Field = "evergreen"
)

// required columns must be in the header.
var required = []Field{FieldDate, FieldTime, FieldNetworks, FieldText}

// headers maps each accepted header, folded (headerKey), to its field: the
// English and French names a team writes in the first row.
var headers = func() map[string]Field {
	names := map[Field][]string{
		FieldDate:         {"date", "jour", "day", "date de publication", "publication date"},
		FieldTime:         {"time", "heure", "hour", "horaire", "heure de publication", "publication time"},
		FieldZone:         {"zone", "time zone", "timezone", "tz", "fuseau", "fuseau horaire"},
		FieldNetworks:     {"network", "networks", "reseau", "reseaux", "platform", "platforms", "plateforme", "plateformes"},
		FieldAccount:      {"account", "compte"},
		FieldText:         {"text", "texte", "message", "content", "contenu"},
		FieldLink:         {"link", "lien", "url"},
		FieldMedia:        {"media", "medias", "image", "images", "visuel", "visuels"},
		FieldAlt:          {"alt", "alt text", "alt texts", "texte alternatif", "textes alternatifs"},
		FieldFirstComment: {"first comment", "premier commentaire"},
		FieldCampaign:     {"campaign", "campagne"},
		FieldLabels:       {"labels", "label", "tags", "etiquettes", "etiquette", "libelles"},
		FieldEvergreen:    {"evergreen", "recyclable", "intemporel", "permanent"},
	}
	m := map[string]Field{}
	for f, ns := range names {
		m[headerKey(string(f))] = f
		for _, n := range ns {
			m[headerKey(n)] = f
		}
	}
	return m
}()

// headerKey folds a header for lookup: accents, case, spaces, punctuation
// and a trailing "(s)" do not matter ("Réseau(x)", "premier_commentaire").
func headerKey(s string) string {
	s = strings.TrimSuffix(strings.TrimSuffix(strings.ToLower(strings.TrimSpace(s)), "(s)"), "(x)")
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}
