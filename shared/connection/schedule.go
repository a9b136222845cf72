package connection

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	// Lambda's provided.al2023 image has no zoneinfo database, so time zone
	// names are checked against the copy embedded in the binary.
	_ "time/tzdata"
)

// ScheduleManual is the expression of a connection that syncs only on request.
const ScheduleManual = "manual"

var ratePattern = regexp.MustCompile(`^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$`)

// Normalize validates the schedule and returns it with the time zone set:
// "UTC" when a cron expression has none, and empty for manual and rate
// schedules, where a time zone has no effect. Expressions follow Amazon
// EventBridge Scheduler: rate(N unit) with the singular unit for 1 and the
// plural otherwise, and six-field cron(...) expressions.
func (s Schedule) Normalize() (Schedule, error) {
	expr := strings.TrimSpace(s.Expression)
	switch {
	case expr == ScheduleManual:
		return Schedule{Expression: ScheduleManual}, nil
	case strings.HasPrefix(expr, "rate("):
		if err := validateRate(expr); err != nil {
			return Schedule{}, err
		}
		return Schedule{Expression: expr}, nil
	case strings.HasPrefix(expr, "cron("):
		if err := validateCron(expr); err != nil {
			return Schedule{}, err
		}
		zone := s.TimeZone
		if zone == "" {
			zone = "UTC"
		}
		if zone == "Local" {
			return Schedule{}, invalid("schedule.timeZone", `"Local" depends on the server; use an IANA name such as "Europe/Berlin"`)
		}
		if _, err := time.LoadLocation(zone); err != nil {
			return Schedule{}, invalid("schedule.timeZone", "%q is not an IANA time zone; use a name such as \"America/New_York\" or \"UTC\"", zone)
		}
		return Schedule{Expression: expr, TimeZone: zone}, nil
	default:
		return Schedule{}, invalid("schedule.expression",
			`%q is not a schedule; use "manual", "rate(6 hours)" or "cron(0 3 * * ? *)"`, s.Expression)
	}
}

func validateRate(expr string) error {
	m := ratePattern.FindStringSubmatch(expr)
	if m == nil {
		return invalid("schedule.expression", `%q must be rate(N minutes|hours|days), such as "rate(6 hours)"`, expr)
	}
	n, err := strconv.Atoi(m[1])
	if err != nil || n < 1 {
		return invalid("schedule.expression", "%q must have a positive whole number of units", expr)
	}
	singular := !strings.HasSuffix(m[2], "s")
	if n == 1 && !singular {
		return invalid("schedule.expression", "%q must use the singular unit for 1, such as \"rate(1 hour)\"", expr)
	}
	if n > 1 && singular {
		return invalid("schedule.expression", "%q must use the plural unit for %d, such as \"rate(%d %ss)\"", expr, n, n, m[2])
	}
	return nil
}

// cronField is one field of an EventBridge cron expression.
type cronField struct {
	name     string
	min, max int
	names    []string // month or weekday names, index 0 is the value min
	extra    string   // special characters allowed besides * , - /
}

var cronFields = []cronField{
	{name: "minutes", min: 0, max: 59},
	{name: "hours", min: 0, max: 23},
	{name: "day-of-month", min: 1, max: 31, extra: "?LW"},
	{name: "month", min: 1, max: 12, names: []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}},
	{name: "day-of-week", min: 1, max: 7, names: []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}, extra: "?L#"},
	{name: "year", min: 1970, max: 2199},
}

// validateCron checks the six fields of an EventBridge cron expression and
// the rule that exactly one of day-of-month and day-of-week is '?'.
func validateCron(expr string) error {
	body, ok := strings.CutSuffix(strings.TrimPrefix(expr, "cron("), ")")
	if !ok {
		return invalid("schedule.expression", "%q must end with ')'", expr)
	}
	fields := strings.Fields(body)
	if len(fields) != len(cronFields) {
		return invalid("schedule.expression",
			"%q has %d fields; cron needs 6 (minutes hours day-of-month month day-of-week year), such as \"cron(0 3 * * ? *)\"",
			expr, len(fields))
	}
	for i, f := range cronFields {
		if !f.valid(fields[i]) {
			return invalid("schedule.expression", "%q has an invalid %s field %q (allowed %d-%d)", expr, f.name, fields[i], f.min, f.max)
		}
	}
	if (fields[2] == "?") == (fields[4] == "?") {
		return invalid("schedule.expression",
			"%q must have '?' in exactly one of day-of-month and day-of-week, such as \"cron(0 3 * * ? *)\"", expr)
	}
	return nil
}

func (f cronField) valid(field string) bool {
	if field == "?" || field == "L" {
		return strings.Contains(f.extra, field)
	}
	for item := range strings.SplitSeq(field, ",") {
		if !f.validItem(item) {
			return false
		}
	}
	return true
}

// validItem checks one comma-separated item: *, a value, a range, any of
// those with /step, and the day forms nL (last weekday n), nW (nearest
// weekday) and n#k (k-th weekday n).
func (f cronField) validItem(item string) bool {
	base, step, hasStep := strings.Cut(item, "/")
	if hasStep {
		if n, err := strconv.Atoi(step); err != nil || n < 1 || n > f.max {
			return false
		}
	}
	switch {
	case base == "*":
		return true
	case strings.Contains(f.extra, "#") && strings.Contains(base, "#"):
		day, nth, _ := strings.Cut(base, "#")
		n, err := strconv.Atoi(nth)
		return !hasStep && f.validValue(day) && err == nil && n >= 1 && n <= 5
	case strings.Contains(f.extra, "W") && strings.HasSuffix(base, "W"):
		return !hasStep && f.validValue(strings.TrimSuffix(base, "W"))
	case strings.Contains(f.extra, "L") && strings.HasSuffix(base, "L"):
		return !hasStep && f.validValue(strings.TrimSuffix(base, "L"))
	}
	low, high, isRange := strings.Cut(base, "-")
	if !isRange {
		return f.validValue(low)
	}
	return f.validValue(low) && f.validValue(high)
}

func (f cronField) validValue(v string) bool {
	for _, name := range f.names {
		if strings.EqualFold(v, name) {
			return true
		}
	}
	n, err := strconv.Atoi(v)
	return err == nil && n >= f.min && n <= f.max
}
