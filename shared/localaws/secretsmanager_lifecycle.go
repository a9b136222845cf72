package localaws

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"
)

const (
	minRecoveryWindowDays     = 7
	maxRecoveryWindowDays     = 30
	defaultRecoveryWindowDays = 30
)

func (sm *SecretsManager) deleteSecret(body []byte) (any, error) {
	var request struct {
		SecretID                   string `json:"SecretId"`
		RecoveryWindowInDays       *int64 `json:"RecoveryWindowInDays"`
		ForceDeleteWithoutRecovery *bool  `json:"ForceDeleteWithoutRecovery"`
	}
	if err := decodeRequest(body, &request); err != nil {
		return nil, err
	}
	force := request.ForceDeleteWithoutRecovery != nil && *request.ForceDeleteWithoutRecovery
	if force && request.RecoveryWindowInDays != nil {
		return nil, errInvalidParameter("You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.")
	}
	days := int64(defaultRecoveryWindowDays)
	if request.RecoveryWindowInDays != nil {
		days = *request.RecoveryWindowInDays
		if days < minRecoveryWindowDays || days > maxRecoveryWindowDays {
			return nil, errInvalidParameter("RecoveryWindowInDays %d is invalid; it must be %d to %d", days, minRecoveryWindowDays, maxRecoveryWindowDays)
		}
	}
	s, err := sm.lookup(request.SecretID)
	if err != nil {
		return nil, err
	}

	now := sm.now()
	if force {
		delete(sm.secrets, s.name)
		return struct {
			arnAndName
			DeletionDate float64 `json:"DeletionDate"`
		}{arnAndName{s.arn, s.name}, epochSeconds(now)}, nil
	}
	if !s.deletionDate.IsZero() {
		return nil, errInvalidRequest("You can't delete secret %q because it is already scheduled for deletion.", s.name)
	}
	s.deletionDate = now.Add(time.Duration(days) * 24 * time.Hour)
	s.lastChanged = now
	return struct {
		arnAndName
		DeletionDate float64 `json:"DeletionDate"`
	}{arnAndName{s.arn, s.name}, epochSeconds(s.deletionDate)}, nil
}

func (sm *SecretsManager) restoreSecret(body []byte) (any, error) {
	var request struct {
		SecretID string `json:"SecretId"`
	}
	if err := decodeRequest(body, &request); err != nil {
		return nil, err
	}
	s, err := sm.lookup(request.SecretID)
	if err != nil {
		return nil, err
	}
	s.deletionDate = time.Time{}
	s.lastChanged = sm.now()
	return arnAndName{s.arn, s.name}, nil
}

type secretsFilter struct {
	Key    string   `json:"Key"`
	Values []string `json:"Values"`
}

func (sm *SecretsManager) listSecrets(body []byte) (any, error) {
	var request struct {
		Filters                []secretsFilter `json:"Filters"`
		IncludePlannedDeletion bool            `json:"IncludePlannedDeletion"`
		MaxResults             *int            `json:"MaxResults"`
		NextToken              string          `json:"NextToken"`
		SortOrder              string          `json:"SortOrder"`
	}
	if err := decodeRequest(body, &request); err != nil {
		return nil, err
	}
	pageSize := 100
	if request.MaxResults != nil {
		pageSize = *request.MaxResults
		if pageSize < 1 || pageSize > 100 {
			return nil, errInvalidParameter("MaxResults %d is invalid; it must be 1 to 100", pageSize)
		}
	}
	for _, filter := range request.Filters {
		if !slices.Contains([]string{"name", "description", "tag-key", "tag-value", "all"}, filter.Key) {
			return nil, errInvalidParameter("filter key %q is not supported by the local endpoint; use name, description, tag-key, tag-value or all", filter.Key)
		}
	}

	var matched []*secret
	for _, s := range sm.secrets {
		if !s.deletionDate.IsZero() && !request.IncludePlannedDeletion {
			continue
		}
		if matchesFilters(s, request.Filters) {
			matched = append(matched, s)
		}
	}
	// AWS lists by creation date, newest first unless SortOrder is asc.
	slices.SortFunc(matched, func(a, b *secret) int {
		return cmp.Or(b.created.Compare(a.created), strings.Compare(a.name, b.name))
	})
	if request.SortOrder == "asc" {
		slices.Reverse(matched)
	}

	start := 0
	if request.NextToken != "" {
		var err error
		start, err = strconv.Atoi(request.NextToken)
		if err != nil || start < 0 || start > len(matched) {
			return nil, errInvalidParameter("NextToken %q is invalid; pass the NextToken of the previous ListSecrets response", request.NextToken)
		}
	}
	end := min(start+pageSize, len(matched))
	response := struct {
		SecretList []secretDescription `json:"SecretList"`
		NextToken  string              `json:"NextToken,omitempty"`
	}{SecretList: []secretDescription{}}
	for _, s := range matched[start:end] {
		entry := describe(s)
		entry.SecretVersionsToStages = versionStages(s)
		response.SecretList = append(response.SecretList, entry)
	}
	if end < len(matched) {
		response.NextToken = strconv.Itoa(end)
	}
	return response, nil
}

// matchesFilters applies ListSecrets filters: every filter must match, and a
// filter matches when any of its values is a prefix of the field. A value
// starting with "!" matches when the prefix does not.
func matchesFilters(s *secret, filters []secretsFilter) bool {
	for _, filter := range filters {
		var fields []string
		switch filter.Key {
		case "name":
			fields = []string{s.name}
		case "description":
			fields = []string{s.description}
		case "tag-key":
			for _, t := range s.tags {
				fields = append(fields, t.Key)
			}
		case "tag-value":
			for _, t := range s.tags {
				fields = append(fields, t.Value)
			}
		case "all":
			fields = []string{s.name, s.description}
			for _, t := range s.tags {
				fields = append(fields, t.Key, t.Value)
			}
		}
		if !slices.ContainsFunc(filter.Values, func(value string) bool { return matchesPrefix(fields, value) }) {
			return false
		}
	}
	return true
}

func matchesPrefix(fields []string, value string) bool {
	prefix, negated := strings.CutPrefix(value, "!")
	found := slices.ContainsFunc(fields, func(field string) bool { return strings.HasPrefix(field, prefix) })
	return found != negated
}

func (sm *SecretsManager) tagResource(body []byte) (any, error) {
	var request struct {
		SecretID string `json:"SecretId"`
		Tags     []tag  `json:"Tags"`
	}
	if err := decodeRequest(body, &request); err != nil {
		return nil, err
	}
	s, err := sm.lookupActive(request.SecretID)
	if err != nil {
		return nil, err
	}
	s.tags = mergeTags(s.tags, request.Tags)
	return struct{}{}, nil
}

func (sm *SecretsManager) untagResource(body []byte) (any, error) {
	var request struct {
		SecretID string   `json:"SecretId"`
		TagKeys  []string `json:"TagKeys"`
	}
	if err := decodeRequest(body, &request); err != nil {
		return nil, err
	}
	s, err := sm.lookupActive(request.SecretID)
	if err != nil {
		return nil, err
	}
	s.tags = slices.DeleteFunc(s.tags, func(t tag) bool { return slices.Contains(request.TagKeys, t.Key) })
	return struct{}{}, nil
}

// mergeTags adds tags to existing, replacing the value of a key already there.
func mergeTags(existing, tags []tag) []tag {
	merged := slices.Clone(existing)
	for _, t := range tags {
		index := slices.IndexFunc(merged, func(m tag) bool { return m.Key == t.Key })
		if index >= 0 {
			merged[index].Value = t.Value
		} else {
			merged = append(merged, t)
		}
	}
	return merged
}
