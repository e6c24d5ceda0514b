package ui

import (
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	query "github.com/ruche-project/ruche/events/query/v1"
)

// SettingsSections are the settings' pages, in the order of their
// navigation.
var SettingsSections = []string{"sources", "policy", "people", "reports", "contests", "drafting"}

// Settings is a settings page: its section's model and what the viewer may
// change there.
type Settings struct {
	Page    Page
	Section string
	// Problems are what could not be read or saved.
	Problems []string
	// Notice says what the last change did.
	Notice string

	Sources     []query.SourceView
	Accounts    []query.AccountView
	CanSources  bool
	CanAccounts bool
	Policy      query.GetPolicyResponse
	PolicyJSON  string
	CanTest     bool
	CanPolicy   bool
	DryRun      *query.DryRunPolicyResponse
	DryRunDays  int
	Members     []SettingsMember
	Roles       []string
	CanPeople   bool
	InviteRoles []string
	Reports     query.ReportSettingsResponse
	Archive     []query.StoredReport
	CanReports  bool
	Contest     *query.ContestDraw
	Verify      *query.ContestVerification
	CanDraw     bool
	ContestForm ContestForm
	// Drafting is the brand's drafting settings (the model without its
	// key) and this month's usage; CanDrafting lets the viewer change them.
	Drafting    query.BrandSettings
	CanDrafting bool
}

// DraftingValues are the drafting form's values from the settings in use
// (the key is write-only: never a value).
func DraftingValues(b query.BrandSettings) Form {
	m := b.Model
	return Form{Values: map[string]string{"base_url": m.BaseURL, "model": m.Model, "embedding_model": m.EmbeddingModel,
		"token_budget": strconv.FormatInt(m.TokenBudget, 10)}}
}

// SettingsMember is one person of the brand and their role.
type SettingsMember struct {
	ID, Name, Email, Role string
	SSO                   bool
}

// ContestForm is the draw form as last submitted.
type ContestForm struct {
	Network, PostID, From, To, Keywords, Excluded string
	Winners                                       int
	RequireMention                                bool
}

// settingsURL is a section's page.
func settingsURL(section, brand string) string { return BrandURL("/settings/"+section, brand) }

// actionURL is a settings form's target on brand, with extra parameters.
func actionURL(path, brand string, kv ...string) string {
	q := url.Values{"brand": {brand}}
	for i := 0; i+1 < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	return path + "?" + q.Encode()
}

// keywordsOf is a source's listening keywords, one a line.
func keywordsOf(src query.SourceView) string {
	return strings.Join(splitKeywords(src.Settings["keywords"]), "\n")
}

// splitKeywords reads comma- or newline-separated keywords.
func splitKeywords(s string) []string {
	var out []string
	for _, k := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\n' || r == '\r' }) {
		if k = strings.TrimSpace(k); k != "" {
			out = append(out, k)
		}
	}
	return out
}

// hasKeywords: the source listens for keywords (rss, searches).
func hasKeywords(src query.SourceView) bool { _, ok := src.Settings["keywords"]; return ok }

// voicesText is the report's voices as the form edits them:
// "Name: keyword | keyword", one a line.
func voicesText(vs []query.Voice) string {
	var lines []string
	for _, v := range vs {
		lines = append(lines, v.Name+": "+strings.Join(v.Keywords, " | "))
	}
	return strings.Join(lines, "\n")
}

func healthClass(status string) string { return "health-" + status }

func hasFormat(s query.ReportSettings, f string) bool {
	for _, x := range s.Formats {
		if x == f {
			return true
		}
	}
	return false
}

// countsRows joins the dry run's before and after counts by key.
func countsRows(before, after map[string]int) [][3]string {
	keys := map[string]bool{}
	for k := range before {
		keys[k] = true
	}
	for k := range after {
		keys[k] = true
	}
	var rows [][3]string
	for k := range keys {
		rows = append(rows, [3]string{k, itoa(before[k]), itoa(after[k])})
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i][0] < rows[j][0] })
	return rows
}

// secondsOf is a lag in seconds as a duration.
func secondsOf(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
