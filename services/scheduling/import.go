package scheduling

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ruche-project/ruche/events"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/services/scheduling/csvimport"
)

// Import reads a CSV file of posts and, unless it is a dry run or a row
// has a problem, creates every row's post as a draft at its time. Nothing
// is created while one row has a problem. Each row's post id is stable for
// the same file: an import cut off half way and sent again creates the
// rest, never a post twice.
func (s *Service) Import(ctx context.Context, r query.ImportPostsRequest) (query.ImportPostsResult, error) {
	if err := events.ValidateBrand(r.Brand); err != nil {
		return query.ImportPostsResult{}, fieldErr("brand", "%s", err.Error())
	}
	if r.By == "" {
		return query.ImportPostsResult{}, fieldErr("by", "required")
	}
	zone := r.Zone
	if zone == "" {
		zone = s.zone.String()
	}
	res, err := csvimport.Parse(bytes.NewReader(r.CSV), csvimport.Options{Zone: zone, Networks: networks(), Now: s.now(), Check: checkRow})
	switch {
	case errors.Is(err, csvimport.ErrTooLarge):
		return query.ImportPostsResult{}, fieldErr("csv", "%s", err.Error())
	case err != nil:
		return query.ImportPostsResult{}, fieldErr("zone", "%s", err.Error())
	}
	out := importResult(res, r.DryRun)
	if r.DryRun || !res.OK() {
		return out, nil
	}
	err = res.Commit(func(id string, row csvimport.Row) error {
		t, err := Resolve(row.Wall, row.Zone)
		if err != nil {
			return err
		}
		_, err = s.create(ctx, query.CreatePostRequest{Brand: r.Brand, By: r.By, PostContent: content(row)}, id, &t)
		switch {
		case errors.Is(err, jetstream.ErrKeyExists):
			out.Existing = append(out.Existing, id)
			return nil
		case err != nil:
			return err
		}
		out.Created = append(out.Created, id)
		return nil
	})
	if err != nil {
		return out, fmt.Errorf("import %s for %s (%d posts created; send the same file again to finish): %w", res.ID, r.Brand, len(out.Created), err)
	}
	return out, nil
}

func importResult(res csvimport.Result, dry bool) query.ImportPostsResult {
	out := query.ImportPostsResult{ID: res.ID, DryRun: dry, Separator: res.Separator, Encoding: res.Encoding,
		Rows: []query.ImportRow{}, Problems: problems(res.Problems), Notes: problems(res.Notes), Created: []string{}, Existing: []string{}}
	for _, row := range res.Rows {
		t, _ := Resolve(row.Wall, row.Zone)
		out.Rows = append(out.Rows, query.ImportRow{Row: row.Number, Time: t, Networks: row.Networks, Text: row.Text, PostID: res.RowID(row)})
	}
	return out
}

func problems(ps []csvimport.Problem) []query.ImportProblem {
	out := make([]query.ImportProblem, len(ps))
	for i, p := range ps {
		out[i] = query.ImportProblem{Row: p.Row, Column: p.Column, Field: string(p.Field), Message: query.Localized(p.Message)}
	}
	return out
}

// content is the post a row makes: one variant per network, the same text.
func content(row csvimport.Row) query.PostContent {
	c := query.PostContent{Campaign: row.Campaign, Labels: row.Labels}
	if row.Evergreen && !slices.Contains(c.Labels, query.EvergreenLabel) {
		c.Labels = append(slices.Clone(c.Labels), query.EvergreenLabel)
	}
	for _, n := range row.Networks {
		v := query.PostVariant{Network: n, Account: row.Account, Text: row.Text, Link: row.Link, FirstComment: row.FirstComment}
		for _, m := range row.Media {
			v.Media = append(v.Media, query.PostMedia{URL: m.Ref, Kind: mediaKind(m.Ref), AltText: m.Alt})
		}
		c.Variants = append(c.Variants, v)
	}
	return c
}

// mediaKind guesses a media's kind from its file name, as a spreadsheet
// only holds its URL.
func mediaKind(ref string) string {
	switch strings.ToLower(path.Ext(strings.SplitN(ref, "?", 2)[0])) {
	case ".mp4", ".mov", ".webm", ".m4v":
		return "video"
	case ".gif":
		return "gif"
	}
	return "image"
}

// checkRow holds a row to what a post must be, with the networks' limits,
// in the two languages; a rule of ValidateContent without its own message
// here comes with its English text.
func checkRow(row csvimport.Row) []csvimport.CellProblem {
	var out []csvimport.CellProblem
	add := func(f csvimport.Field, fr, en string, args ...any) {
		out = append(out, csvimport.CellProblem{Field: f, Message: csvimport.Message{FR: fmt.Sprintf(fr, args...), EN: fmt.Sprintf(en, args...)}})
	}
	c := content(row)
	for _, v := range c.Variants {
		lim := networkLimits[v.Network]
		if n := utf8.RuneCountInString(strings.TrimSpace(SentText(v))); n > lim.Chars {
			add(csvimport.FieldText, "%d caractères avec le lien, %s en accepte %d", "%d characters with the link, %s allows %d", n, v.Network, lim.Chars)
		}
		if len(v.Media) > lim.Media {
			add(csvimport.FieldMedia, "%d médias, %s en accepte %d", "%d media, %s allows %d", len(v.Media), v.Network, lim.Media)
		}
		for _, m := range v.Media {
			if n := utf8.RuneCountInString(m.AltText); n > lim.AltChars {
				add(csvimport.FieldAlt, "texte alternatif de %d caractères, %s en accepte %d", "alt text of %d characters, %s allows %d", n, v.Network, lim.AltChars)
			}
		}
		if n := utf8.RuneCountInString(v.FirstComment); n > min(maxFirstComment, lim.Chars) {
			add(csvimport.FieldFirstComment, "%d caractères, au plus %d sur %s", "%d characters, at most %d on %s", n, min(maxFirstComment, lim.Chars), v.Network)
		}
	}
	for _, m := range row.Media {
		if strings.TrimSpace(m.Alt) == "" {
			add(csvimport.FieldAlt, "décrivez le média %s pour qui ne peut pas le voir", "describe the media %s for people who cannot see it", m.Ref)
		}
	}
	if len(out) > 0 {
		return out
	}
	if err := ValidateContent(&c); err != nil {
		var fe *FieldError
		field := csvimport.FieldText
		if errors.As(err, &fe) {
			field = csvField(fe.Field)
		}
		add(field, "refusé : %s", "refused: %s", err.Error())
	}
	return out
}

// csvField is the column of a content field ("variants[0].media[1].url").
func csvField(f string) csvimport.Field {
	switch {
	case strings.HasSuffix(f, ".alt_text"):
		return csvimport.FieldAlt
	case strings.Contains(f, ".media"):
		return csvimport.FieldMedia
	case strings.HasSuffix(f, ".link"):
		return csvimport.FieldLink
	case strings.HasSuffix(f, ".first_comment"):
		return csvimport.FieldFirstComment
	case strings.HasSuffix(f, ".network"):
		return csvimport.FieldNetworks
	case f == "campaign":
		return csvimport.FieldCampaign
	case strings.HasPrefix(f, "labels"):
		return csvimport.FieldLabels
	}
	return csvimport.FieldText
}
