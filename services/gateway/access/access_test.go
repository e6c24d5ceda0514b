package access_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ruche-project/ruche/services/gateway/access"
)

func TestAllowed(t *testing.T) {
	cases := []struct {
		role   access.Role
		action access.Action
		want   bool
	}{
		{access.Owner, access.UsersManage, true},
		{access.Manager, access.AuditExport, true},
		{access.CommunityManager, access.ContestsDraw, true},
		{access.CommunityManager, access.PoliciesWrite, false},
		{access.CommunityManager, access.UsersManage, false},
		{access.Moderator, access.CasesDecide, true},
		{access.Moderator, access.InteractionsExport, false},
		{access.Moderator, access.SegmentsRead, false},
		{access.Moderator, access.SourcesWrite, false},
		{access.Analyst, access.InteractionsExport, true},
		{access.Analyst, access.CasesDecide, false},
		{access.ReadOnly, access.InteractionsRead, true},
		{access.ReadOnly, access.ReportsWrite, false},
		{access.AgencyGuest, access.CasesDecide, true},
		{access.AgencyGuest, access.SegmentsRead, false},
		{access.AgencyGuest, access.UsersRead, false},
		{access.AgencyGuest, access.AuditRead, false},
		{"", access.InteractionsRead, false},
		{"root", access.InteractionsRead, false},
	}
	for _, tc := range cases {
		if got := access.Allowed(tc.role, tc.action); got != tc.want {
			t.Errorf("Allowed(%q, %q) = %v", tc.role, tc.action, got)
		}
	}
}

func TestEveryRoleReadsInteractionsAndOnlyManagersManage(t *testing.T) {
	for _, r := range access.Roles {
		if !access.Allowed(r, access.InteractionsRead) {
			t.Errorf("%s cannot read interactions", r)
		}
		manage := r == access.Owner || r == access.Manager
		if access.Allowed(r, access.UsersManage) != manage || access.Allowed(r, access.AuditRead) != manage {
			t.Errorf("%s: users.manage/audit.read = %v", r, !manage)
		}
	}
}

func TestRank(t *testing.T) {
	if !(access.Owner.Rank() > access.Manager.Rank() && access.Manager.Rank() > access.AgencyGuest.Rank() && access.AgencyGuest.Rank() > access.Role("x").Rank()) {
		t.Fatal("ranks out of order")
	}
	if _, err := access.ParseRole("admin"); err == nil {
		t.Fatal("admin parsed")
	}
	if _, err := access.ParseAction("cases.decide"); err != nil {
		t.Fatal(err)
	}
}

func TestPassword(t *testing.T) {
	h := access.HashPassword("correct horse battery")
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash = %s", h)
	}
	if h == access.HashPassword("correct horse battery") {
		t.Fatal("same salt twice")
	}
	if err := access.VerifyPassword(h, "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	if err := access.VerifyPassword(h, "correct horse batterz"); !errors.Is(err, access.ErrMismatch) {
		t.Fatalf("wrong password: %v", err)
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=1,t=1,p=1$AA$AA", "$argon2id$v=19$m=99999999,t=1,p=1$AA$AA", h[:len(h)-3] + "!!!"} {
		if err := access.VerifyPassword(bad, "x"); err == nil || errors.Is(err, access.ErrMismatch) {
			t.Errorf("VerifyPassword(%q) = %v", bad, err)
		}
	}
	if access.CheckPassword("short") == nil || access.CheckPassword("twelve chars") != nil {
		t.Fatal("CheckPassword")
	}
}

func TestLockFor(t *testing.T) {
	want := map[int]time.Duration{0: 0, 4: 0, 5: time.Second, 6: 2 * time.Second, 8: 8 * time.Second, 100: access.MaxLock}
	for n, d := range want {
		if got := access.LockFor(n); got != d {
			t.Errorf("LockFor(%d) = %v, want %v", n, got, d)
		}
	}
}
