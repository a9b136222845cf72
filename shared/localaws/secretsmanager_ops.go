package localaws

import (
	"encoding/json"
	"slices"
	"time"
)

type secretsManagerOperation func(sm *SecretsManager, body []byte) (any, error)

var secretsManagerOperations = map[string]secretsManagerOperation{
	"CreateSecret":   (*SecretsManager).createSecret,
	"GetSecretValue": (*SecretsManager).getSecretValue,
	"PutSecretValue": (*SecretsManager).putSecretValue,
	"UpdateSecret":   (*SecretsManager).updateSecret,
	"DescribeSecret": (*SecretsManager).describeSecret,
	"DeleteSecret":   (*SecretsManager).deleteSecret,
	"RestoreSecret":  (*SecretsManager).restoreSecret,
	"ListSecrets":    (*SecretsManager).listSecrets,
	"TagResource":    (*SecretsManager).tagResource,
	"UntagResource":  (*SecretsManager).untagResource,
}

// decodeRequest unmarshals a request body into request, mapping failures to
// the SerializationException AWS returns.
func decodeRequest(body []byte, request any) error {
	if len(body) == 0 {
		body = []byte("{}")
	}
	if err := json.Unmarshal(body, request); err != nil {
		return &apiError{"SerializationException", "invalid request body: " + err.Error()}
	}
	return nil
}

// arnAndName is the ARN and Name pair that most responses carry.
type arnAndName struct {
	ARN  string `json:"ARN"`
	Name string `json:"Name"`
}

func (sm *SecretsManager) createSecret(body []byte) (any, error) {
	var request struct {
		secretValue
		Name               string `json:"Name"`
		Description        string `json:"Description"`
		KmsKeyID           string `json:"KmsKeyId"`
		ClientRequestToken string `json:"ClientRequestToken"`
		Tags               []tag  `json:"Tags"`
	}
	if err := decodeRequest(body, &request); err != nil {
		return nil, err
	}
	if !secretNamePattern.MatchString(request.Name) {
		return nil, errInvalidParameter("Invalid name %q. The name must be 1 to 512 characters of ASCII letters, digits and /_+=.@-", request.Name)
	}
	if err := request.validate(); err != nil {
		return nil, err
	}
	if existing, ok := sm.secrets[request.Name]; ok {
		if !existing.deletionDate.IsZero() {
			return nil, errInvalidRequest("You can't create this secret because a secret with the name %q is already scheduled for deletion.", request.Name)
		}
		return nil, errExists("The operation failed because the secret %s already exists.", request.Name)
	}

	now := sm.now()
	s := &secret{
		arn:         newSecretARN(request.Name),
		name:        request.Name,
		description: request.Description,
		kmsKeyID:    request.KmsKeyID,
		tags:        mergeTags(nil, request.Tags),
		created:     now,
		lastChanged: now,
		versions:    make(map[string]*secretVersion),
	}
	response := struct {
		arnAndName
		VersionID string `json:"VersionId,omitempty"`
	}{arnAndName: arnAndName{s.arn, s.name}}
	if request.present() {
		version, err := sm.putVersion(s, request.ClientRequestToken, request.secretValue, nil)
		if err != nil {
			return nil, err
		}
		response.VersionID = version.id
	}
	sm.secrets[s.name] = s
	return response, nil
}

func (sm *SecretsManager) getSecretValue(body []byte) (any, error) {
	var request struct {
		SecretID     string `json:"SecretId"`
		VersionID    string `json:"VersionId"`
		VersionStage string `json:"VersionStage"`
	}
	if err := decodeRequest(body, &request); err != nil {
		return nil, err
	}
	s, err := sm.lookupActive(request.SecretID)
	if err != nil {
		return nil, err
	}
	version, err := findVersion(s, request.VersionID, request.VersionStage)
	if err != nil {
		return nil, err
	}
	s.accessed = sm.now().UTC().Truncate(24 * time.Hour)
	return struct {
		arnAndName
		VersionID     string   `json:"VersionId"`
		SecretString  *string  `json:"SecretString,omitempty"`
		SecretBinary  []byte   `json:"SecretBinary,omitempty"`
		VersionStages []string `json:"VersionStages"`
		CreatedDate   float64  `json:"CreatedDate"`
	}{arnAndName{s.arn, s.name}, version.id, version.secretString, version.secretBinary, slices.Clone(version.stages), epochSeconds(version.created)}, nil
}

// findVersion selects a version by id, by staging label, or by both (then
// the label must be attached to that version). Without either it selects
// AWSCURRENT.
func findVersion(s *secret, id, stage string) (*secretVersion, error) {
	if id != "" {
		version, ok := s.versions[id]
		if !ok {
			return nil, errNotFound("Secrets Manager can't find the specified secret value for VersionId %q of secret %q.", id, s.name)
		}
		if stage != "" && !slices.Contains(version.stages, stage) {
			return nil, errNotFound("Secrets Manager can't find the specified secret value for VersionId %q and staging label %q of secret %q.", id, stage, s.name)
		}
		return version, nil
	}
	if stage == "" {
		stage = stageCurrent
	}
	for _, version := range s.versions {
		if slices.Contains(version.stages, stage) {
			return version, nil
		}
	}
	return nil, errNotFound("Secrets Manager can't find the specified secret value for staging label %q of secret %q.", stage, s.name)
}

func (sm *SecretsManager) putSecretValue(body []byte) (any, error) {
	var request struct {
		secretValue
		SecretID           string   `json:"SecretId"`
		ClientRequestToken string   `json:"ClientRequestToken"`
		VersionStages      []string `json:"VersionStages"`
	}
	if err := decodeRequest(body, &request); err != nil {
		return nil, err
	}
	s, err := sm.lookupActive(request.SecretID)
	if err != nil {
		return nil, err
	}
	if !request.present() {
		return nil, errInvalidParameter("PutSecretValue for secret %q needs SecretString or SecretBinary", s.name)
	}
	if err := request.validate(); err != nil {
		return nil, err
	}
	version, err := sm.putVersion(s, request.ClientRequestToken, request.secretValue, request.VersionStages)
	if err != nil {
		return nil, err
	}
	return struct {
		arnAndName
		VersionID     string   `json:"VersionId"`
		VersionStages []string `json:"VersionStages"`
	}{arnAndName{s.arn, s.name}, version.id, slices.Clone(version.stages)}, nil
}

func (sm *SecretsManager) updateSecret(body []byte) (any, error) {
	var request struct {
		secretValue
		SecretID           string  `json:"SecretId"`
		ClientRequestToken string  `json:"ClientRequestToken"`
		Description        *string `json:"Description"`
		KmsKeyID           *string `json:"KmsKeyId"`
	}
	if err := decodeRequest(body, &request); err != nil {
		return nil, err
	}
	s, err := sm.lookupActive(request.SecretID)
	if err != nil {
		return nil, err
	}
	if err := request.validate(); err != nil {
		return nil, err
	}
	response := struct {
		arnAndName
		VersionID string `json:"VersionId,omitempty"`
	}{arnAndName: arnAndName{s.arn, s.name}}
	if request.present() {
		version, err := sm.putVersion(s, request.ClientRequestToken, request.secretValue, []string{stageCurrent})
		if err != nil {
			return nil, err
		}
		response.VersionID = version.id
	}
	if request.Description != nil {
		s.description = *request.Description
	}
	if request.KmsKeyID != nil {
		s.kmsKeyID = *request.KmsKeyID
	}
	s.lastChanged = sm.now()
	return response, nil
}

// secretDescription is the DescribeSecret response and a ListSecrets entry.
type secretDescription struct {
	arnAndName
	Description        string              `json:"Description,omitempty"`
	KmsKeyID           string              `json:"KmsKeyId,omitempty"`
	RotationEnabled    bool                `json:"RotationEnabled"`
	Tags               []tag               `json:"Tags,omitempty"`
	VersionIDsToStages map[string][]string `json:"VersionIdsToStages,omitempty"`
	// SecretVersionsToStages is the name ListSecrets uses for the same map.
	SecretVersionsToStages map[string][]string `json:"SecretVersionsToStages,omitempty"`
	CreatedDate            float64             `json:"CreatedDate"`
	LastChangedDate        *float64            `json:"LastChangedDate,omitempty"`
	LastAccessedDate       *float64            `json:"LastAccessedDate,omitempty"`
	DeletedDate            *float64            `json:"DeletedDate,omitempty"`
}

func describe(s *secret) secretDescription {
	return secretDescription{
		arnAndName:       arnAndName{s.arn, s.name},
		Description:      s.description,
		KmsKeyID:         s.kmsKeyID,
		Tags:             slices.Clone(s.tags),
		CreatedDate:      epochSeconds(s.created),
		LastChangedDate:  optionalEpochSeconds(s.lastChanged),
		LastAccessedDate: optionalEpochSeconds(s.accessed),
		DeletedDate:      optionalEpochSeconds(s.deletionDate),
	}
}

func (sm *SecretsManager) describeSecret(body []byte) (any, error) {
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
	description := describe(s)
	description.VersionIDsToStages = versionStages(s)
	return description, nil
}
