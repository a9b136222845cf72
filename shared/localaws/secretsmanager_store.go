package localaws

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

const (
	stageCurrent  = "AWSCURRENT"
	stagePrevious = "AWSPREVIOUS"
	// maxSecretVersions is how many versions Secrets Manager keeps per secret;
	// beyond it, the oldest versions without a staging label are removed.
	maxSecretVersions = 100
	// maxSecretValueBytes is the Secrets Manager limit on a secret value.
	maxSecretValueBytes = 65536
)

// secretNamePattern is the character set Secrets Manager allows in names.
var secretNamePattern = regexp.MustCompile(`^[A-Za-z0-9/_+=.@-]{1,512}$`)

type secret struct {
	arn, name, description, kmsKeyID string
	tags                             []tag
	created, lastChanged, accessed   time.Time
	// deletionDate is when a secret scheduled for deletion is removed; zero
	// when the secret is not scheduled for deletion.
	deletionDate time.Time
	versions     map[string]*secretVersion
}

type secretVersion struct {
	id           string
	secretString *string
	secretBinary []byte
	stages       []string
	created      time.Time
}

type tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// lookup finds a secret by name, full ARN or ARN without the random suffix.
func (sm *SecretsManager) lookup(id string) (*secret, error) {
	if id == "" {
		return nil, errInvalidParameter("SecretId is required")
	}
	if s, ok := sm.secrets[id]; ok {
		return s, nil
	}
	if strings.HasPrefix(id, "arn:") {
		for _, s := range sm.secrets {
			if s.arn == id || s.arn[:len(s.arn)-7] == id {
				return s, nil
			}
		}
	}
	return nil, errNotFound("Secrets Manager can't find the specified secret %q.", id)
}

// lookupActive is lookup for operations that reject a secret scheduled for
// deletion, as AWS does.
func (sm *SecretsManager) lookupActive(id string) (*secret, error) {
	s, err := sm.lookup(id)
	if err != nil {
		return nil, err
	}
	if !s.deletionDate.IsZero() {
		return nil, errInvalidRequest("You can't perform this operation on the secret %q because it was marked for deletion. Restore it with RestoreSecret first.", s.name)
	}
	return s, nil
}

// purgeExpired removes secrets whose recovery window has ended.
func (sm *SecretsManager) purgeExpired() {
	now := sm.now()
	for name, s := range sm.secrets {
		if !s.deletionDate.IsZero() && !now.Before(s.deletionDate) {
			delete(sm.secrets, name)
		}
	}
}

func newSecretARN(name string) string {
	const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	suffix := make([]byte, 6)
	for i, b := range randomBytes(6) {
		suffix[i] = letters[int(b)%len(letters)]
	}
	return fmt.Sprintf("arn:aws:secretsmanager:%s:%s:secret:%s-%s", Region, AccountID, name, suffix)
}

// newUUID returns a random version 4 UUID, the form of generated version ids.
func newUUID() string {
	b := randomBytes(16)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never returns an error.
	return b
}

// secretValue is the value part of CreateSecret, PutSecretValue and
// UpdateSecret requests.
type secretValue struct {
	SecretString *string `json:"SecretString"`
	SecretBinary []byte  `json:"SecretBinary"`
}

func (v secretValue) present() bool {
	return v.SecretString != nil || v.SecretBinary != nil
}

func (v secretValue) validate() error {
	if v.SecretString != nil && v.SecretBinary != nil {
		return errInvalidParameter("You can't specify both a binary secret value and a string secret value in the same secret.")
	}
	size := len(v.SecretBinary)
	if v.SecretString != nil {
		size = len(*v.SecretString)
	}
	if size > maxSecretValueBytes {
		return errInvalidParameter("secret value is %d bytes; the maximum is %d", size, maxSecretValueBytes)
	}
	return nil
}

func (v secretValue) equal(version *secretVersion) bool {
	if (v.SecretString == nil) != (version.secretString == nil) {
		return false
	}
	if v.SecretString != nil && *v.SecretString != *version.secretString {
		return false
	}
	return bytes.Equal(v.SecretBinary, version.secretBinary)
}

// putVersion stores value as version token (a new UUID when empty) with the
// given staging labels and returns the version. A token that already exists
// with the same value returns that version and changes nothing. With another
// value it fails with ResourceExistsException, because versions are immutable.
func (sm *SecretsManager) putVersion(s *secret, token string, value secretValue, stages []string) (*secretVersion, error) {
	if token == "" {
		token = newUUID()
	}
	if len(token) < 32 || len(token) > 64 {
		return nil, errInvalidParameter("ClientRequestToken %q must be 32 to 64 characters long", token)
	}
	if existing, ok := s.versions[token]; ok {
		if value.equal(existing) {
			return existing, nil
		}
		return nil, errExists("You can't modify an existing version %q of secret %q, you can only create a new version.", token, s.name)
	}
	// A version gets AWSCURRENT when no labels are requested, and always
	// when it is the secret's first version.
	if len(stages) == 0 || !hasCurrentVersion(s) {
		if !slices.Contains(stages, stageCurrent) {
			stages = append(stages, stageCurrent)
		}
	}

	now := sm.now()
	version := &secretVersion{id: token, secretString: value.SecretString, secretBinary: value.SecretBinary, created: now}
	s.versions[token] = version
	for _, stage := range stages {
		moveStage(s, stage, version)
	}
	s.lastChanged = now
	removeDeprecatedVersions(s)
	return version, nil
}

func hasCurrentVersion(s *secret) bool {
	for _, v := range s.versions {
		if slices.Contains(v.stages, stageCurrent) {
			return true
		}
	}
	return false
}

// moveStage attaches stage to target and removes it from the version that
// had it. Moving AWSCURRENT also moves AWSPREVIOUS to the version that was
// current.
func moveStage(s *secret, stage string, target *secretVersion) {
	var holder *secretVersion
	for _, v := range s.versions {
		if v != target && slices.Contains(v.stages, stage) {
			holder = v
		}
	}
	if holder != nil {
		holder.stages = slices.DeleteFunc(holder.stages, func(x string) bool { return x == stage })
		if stage == stageCurrent {
			moveStage(s, stagePrevious, holder)
		}
	}
	if !slices.Contains(target.stages, stage) {
		target.stages = append(target.stages, stage)
	}
}

// removeDeprecatedVersions drops the oldest versions without a staging label
// while the secret has more than maxSecretVersions versions.
func removeDeprecatedVersions(s *secret) {
	for len(s.versions) > maxSecretVersions {
		var oldest *secretVersion
		for _, v := range s.versions {
			if len(v.stages) == 0 && (oldest == nil || v.created.Before(oldest.created)) {
				oldest = v
			}
		}
		if oldest == nil {
			return
		}
		delete(s.versions, oldest.id)
	}
}

// versionStages returns the VersionIdsToStages map of DescribeSecret.
func versionStages(s *secret) map[string][]string {
	stages := make(map[string][]string, len(s.versions))
	for id, v := range s.versions {
		stages[id] = slices.Clone(v.stages)
	}
	return stages
}
