package v1

import casev1 "github.com/ruche-project/ruche/events/case/v1"

// Empty is the answer of a command that returns nothing but success.
type Empty struct{}

// The analytics service's endpoints.
var (
	// ListInteractions lists one page of a brand's interactions, newest
	// first, with optional filters (a request without filters is the plain
	// listing); the cursor of a page is only valid with the same filters.
	ListInteractions = Declare[SearchInteractionsRequest, ListInteractionsResponse](AnalyticsService, "list_interactions", ListInteractionsSubject, BudgetRead)
	// GetInteraction answers one interaction with its thread and author
	// history, or CodeNotFound.
	GetInteraction = Declare[GetInteractionRequest, InteractionDetail](AnalyticsService, "get_interaction", GetInteractionSubject, BudgetRead)
	// GetKPIs is the dashboard.
	GetKPIs = Declare[KPIsRequest, KPIs](AnalyticsService, "kpis", KPIsSubject, BudgetHeavy)
	// GetPostPerformance is the brand's published posts' counts and its
	// follower growth.
	GetPostPerformance = Declare[PostPerformanceRequest, PostPerformance](AnalyticsService, "post_performance", PostPerformanceSubject, BudgetRead)
	// ListSegment pages one segment's members.
	ListSegment = Declare[SegmentRequest, SegmentPage](AnalyticsService, "segments", SegmentSubject, BudgetHeavy)
	// DrawContest draws a contest's winners and stores the draw.
	DrawContest = Declare[ContestDrawRequest, ContestDraw](AnalyticsService, "contest_draw", ContestDrawSubject, BudgetHeavy)
	// GetContest answers a stored draw, or CodeNotFound.
	GetContest = Declare[ContestRef, ContestDraw](AnalyticsService, "contest_get", ContestGetSubject, BudgetRead)
	// VerifyContest recomputes a stored draw from its seed and entries.
	VerifyContest = Declare[ContestRef, ContestVerification](AnalyticsService, "contest_verify", ContestVerifySubject, BudgetHeavy)
	// GetWeeklyReport renders one week's report.
	GetWeeklyReport = Declare[WeeklyReportRequest, WeeklyReport](AnalyticsService, "weekly_report", WeeklyReportSubject, BudgetHeavy)
	// GetReportSettings answers a brand's report schedule (the defaults,
	// revision 0, when none is saved).
	GetReportSettings = Declare[GetReportSettingsRequest, ReportSettingsResponse](AnalyticsService, "report_settings_get", GetReportSettingsSubject, BudgetRead)
	// PutReportSettings saves a brand's report schedule; CodeConflict when
	// the settings changed since the request's revision.
	PutReportSettings = Declare[PutReportSettingsRequest, ReportSettingsResponse](AnalyticsService, "report_settings_put", PutReportSettingsSubject, BudgetRead)
	// ListStoredReports lists the generated reports of a brand.
	ListStoredReports = Declare[ListStoredReportsRequest, StoredReports](AnalyticsService, "stored_reports_list", ListStoredReportsSubject, BudgetRead)
	// GetStoredReport answers one stored file, or CodeNotFound.
	GetStoredReport = Declare[GetStoredReportRequest, StoredReportFile](AnalyticsService, "stored_report_get", GetStoredReportSubject, BudgetRead)
	// GetBestTimes suggests the weekday × hour slots where the brand's
	// posts get the most engagement, with the evidence.
	GetBestTimes = Declare[BestTimesRequest, BestTimesToPost](AnalyticsService, "best_times", BestTimesSubject, BudgetHeavy)
)

// The moderation service's endpoints.
var (
	// GetPolicy answers a brand's active policy and its versions.
	GetPolicy = Declare[GetPolicyRequest, GetPolicyResponse](ModerationService, "get_policy", GetPolicySubject, BudgetRead)
	// PutPolicy saves a new version of a brand's policy.
	PutPolicy = Declare[PutPolicyRequest, PolicyVersion](ModerationService, "put_policy", PutPolicySubject, BudgetRead)
	// ActivatePolicy makes one version the brand's active policy.
	ActivatePolicy = Declare[ActivatePolicyRequest, ActivatePolicyResponse](ModerationService, "activate_policy", ActivatePolicySubject, BudgetRead)
	// DryRunPolicy replays a draft policy on past traffic; it reads the
	// history from analytics (ListInteractions) within its own budget.
	DryRunPolicy = Declare[DryRunPolicyRequest, DryRunPolicyResponse](ModerationService, "dry_run_policy", DryRunPolicySubject, BudgetHeavy)
	// ClaimCase claims an interaction for a moderator; CodeConflict when
	// someone else holds it.
	ClaimCase = Declare[ClaimCaseRequest, CaseClaim](ModerationService, "claim_case", ClaimCaseSubject, BudgetRead)
	// ReleaseCase gives a claim back.
	ReleaseCase = Declare[ReleaseCaseRequest, Empty](ModerationService, "release_case", ReleaseCaseSubject, BudgetRead)
	// DecideCase records a human decision on an interaction.
	DecideCase = Declare[DecideCaseRequest, DecideCaseResponse](ModerationService, "decide_case", DecideCaseSubject, BudgetRead)
	// CorrectCase records a moderator's correction of an interaction's
	// automatic labels (case.corrected.v1).
	CorrectCase = Declare[CorrectCaseRequest, casev1.Corrected](ModerationService, "correct_case", CorrectCaseSubject, BudgetRead)
	// ListCorrections lists a brand's corrections and its most corrected
	// labels.
	ListCorrections = Declare[ListCorrectionsRequest, ListCorrectionsResponse](ModerationService, "list_corrections", ListCorrectionsSubject, BudgetRead)
	// ListClaims lists the claims held on a brand's cases.
	ListClaims = Declare[ListClaimsRequest, ListClaimsResponse](ModerationService, "list_claims", ListClaimsSubject, BudgetRead)
	// ListCrises lists a brand's open and past crises with their evidence.
	ListCrises = Declare[ListCrisesRequest, ListCrisesResponse](ModerationService, "list_crises", ListCrisesSubject, BudgetRead)
	// GetCrisisWebhook answers a brand's crisis webhook (no secret), or
	// CodeNotFound.
	GetCrisisWebhook = Declare[GetCrisisWebhookRequest, CrisisWebhook](ModerationService, "get_crisis_webhook", GetCrisisWebhookSubject, BudgetRead)
	// PutCrisisWebhook sets, rotates or removes a brand's crisis webhook.
	PutCrisisWebhook = Declare[PutCrisisWebhookRequest, CrisisWebhook](ModerationService, "put_crisis_webhook", PutCrisisWebhookSubject, BudgetRead)
)

// The ingest service's endpoints.
var (
	// PutSource creates or updates a listening source.
	PutSource = Declare[PutSourceRequest, SourceView](IngestService, "put_source", PutSourceSubject, BudgetRead)
	// DeleteSource removes a listening source.
	DeleteSource = Declare[DeleteSourceRequest, Empty](IngestService, "delete_source", DeleteSourceSubject, BudgetRead)
	// BackfillSource asks a polled source to re-read a period.
	BackfillSource = Declare[BackfillSourceRequest, Empty](IngestService, "backfill_source", BackfillSourceSubject, BudgetRead)
	// ListSources lists a brand's sources with their health.
	ListSources = Declare[ListSourcesRequest, ListSourcesResponse](IngestService, "list_sources", ListSourcesSubject, BudgetRead)
)
