module github.com/ruche-project/ruche/services/ruche

go 1.26.8

replace github.com/ruche-project/ruche/events => ../../events
replace github.com/ruche-project/ruche/pkg => ../../pkg
replace github.com/ruche-project/ruche/services/gateway => ../../services/gateway
replace github.com/ruche-project/ruche/services/ingest => ../../services/ingest
replace github.com/ruche-project/ruche/services/moderation => ../../services/moderation
replace github.com/ruche-project/ruche/services/drafting => ../../services/drafting
replace github.com/ruche-project/ruche/services/scheduling => ../../services/scheduling
replace github.com/ruche-project/ruche/services/publishing => ../../services/publishing
replace github.com/ruche-project/ruche/services/analytics => ../../services/analytics
