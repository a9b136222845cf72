package connection

import (
	"errors"
	"testing"
)

func TestScheduleNormalizeAccepts(t *testing.T) {
	cases := []struct {
		in   Schedule
		want Schedule
	}{
		{Schedule{Expression: "manual"}, Schedule{Expression: "manual"}},
		{Schedule{Expression: "manual", TimeZone: "Europe/Berlin"}, Schedule{Expression: "manual"}},
		{Schedule{Expression: "rate(1 hour)"}, Schedule{Expression: "rate(1 hour)"}},
		{Schedule{Expression: "rate(6 hours)"}, Schedule{Expression: "rate(6 hours)"}},
		{Schedule{Expression: "rate(30 minutes)"}, Schedule{Expression: "rate(30 minutes)"}},
		{Schedule{Expression: "rate(1 day)"}, Schedule{Expression: "rate(1 day)"}},
		{Schedule{Expression: "cron(0 3 * * ? *)"}, Schedule{Expression: "cron(0 3 * * ? *)", TimeZone: "UTC"}},
		{Schedule{Expression: "cron(15 2 ? * MON-FRI *)", TimeZone: "America/New_York"},
			Schedule{Expression: "cron(15 2 ? * MON-FRI *)", TimeZone: "America/New_York"}},
		{Schedule{Expression: "cron(0/15 * * * ? *)", TimeZone: "Asia/Kolkata"},
			Schedule{Expression: "cron(0/15 * * * ? *)", TimeZone: "Asia/Kolkata"}},
		{Schedule{Expression: "cron(0 8 L * ? 2026-2030)"}, Schedule{Expression: "cron(0 8 L * ? 2026-2030)", TimeZone: "UTC"}},
		{Schedule{Expression: "cron(0 8 ? * 6#3 *)"}, Schedule{Expression: "cron(0 8 ? * 6#3 *)", TimeZone: "UTC"}},
		{Schedule{Expression: "cron(0 8 15W JAN,JUL ? *)"}, Schedule{Expression: "cron(0 8 15W JAN,JUL ? *)", TimeZone: "UTC"}},
	}
	for _, tc := range cases {
		got, err := tc.in.Normalize()
		if err != nil {
			t.Errorf("Normalize(%+v) error = %v, want nil", tc.in, err)
			continue
		}
		if got != tc.want {
			t.Errorf("Normalize(%+v) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

func TestScheduleNormalizeRejects(t *testing.T) {
	cases := []struct {
		in    Schedule
		field string
	}{
		{Schedule{}, "schedule.expression"},
		{Schedule{Expression: "daily"}, "schedule.expression"},
		{Schedule{Expression: "rate(0 hours)"}, "schedule.expression"},
		{Schedule{Expression: "rate(1 hours)"}, "schedule.expression"},
		{Schedule{Expression: "rate(6 hour)"}, "schedule.expression"},
		{Schedule{Expression: "rate(6 weeks)"}, "schedule.expression"},
		{Schedule{Expression: "rate(-1 days)"}, "schedule.expression"},
		{Schedule{Expression: "cron(0 3 * * *)"}, "schedule.expression"},
		{Schedule{Expression: "cron(0 3 * * * *)"}, "schedule.expression"},
		{Schedule{Expression: "cron(0 3 ? * ? *)"}, "schedule.expression"},
		{Schedule{Expression: "cron(60 3 * * ? *)"}, "schedule.expression"},
		{Schedule{Expression: "cron(0 24 * * ? *)"}, "schedule.expression"},
		{Schedule{Expression: "cron(0 3 32 * ? *)"}, "schedule.expression"},
		{Schedule{Expression: "cron(0 3 * 13 ? *)"}, "schedule.expression"},
		{Schedule{Expression: "cron(0 3 ? * 8 *)"}, "schedule.expression"},
		{Schedule{Expression: "cron(0 3 ? * MON#6 *)"}, "schedule.expression"},
		{Schedule{Expression: "cron(0 3 * * ? 1969)"}, "schedule.expression"},
		{Schedule{Expression: "cron(0 3 * * ? *"}, "schedule.expression"},
		{Schedule{Expression: "cron(0 3 * * ? *)", TimeZone: "Mars/Olympus"}, "schedule.timeZone"},
		{Schedule{Expression: "cron(0 3 * * ? *)", TimeZone: "Local"}, "schedule.timeZone"},
	}
	for _, tc := range cases {
		_, err := tc.in.Normalize()
		var verr *ValidationError
		if !errors.As(err, &verr) {
			t.Errorf("Normalize(%+v) error = %v, want *ValidationError", tc.in, err)
			continue
		}
		if verr.Field != tc.field {
			t.Errorf("Normalize(%+v) field = %q, want %q", tc.in, verr.Field, tc.field)
		}
	}
}
