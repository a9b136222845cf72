package ondemand

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/idgov/atlassian-cloud-connector/shared/snapshot"
)

// MinPageTokenKeyBytes is the shortest accepted HMAC key: 32 bytes, the
// output size of SHA-256.
const MinPageTokenKeyBytes = 32

// pageTokenPrefix names the token format, so a later format can be
// distinguished.
const pageTokenPrefix = "v1."

// PageTokenKeys provides the HMAC key of page tokens: the secret named by
// SecretARN, read once and cached for the life of the process, or Hex.
type PageTokenKeys struct {
	// SecretARN names a Secrets Manager secret whose SecretString is the key
	// in hex, or whose SecretBinary is the key.
	SecretARN string
	Client    *secretsmanager.Client
	// Hex is the key in hexadecimal, for local runs.
	Hex string

	mu  sync.Mutex
	key []byte
}

// PageTokenKeysFromEnv reads PAGE_TOKEN_KEY_SECRET_ARN or, for local runs,
// PAGE_TOKEN_KEY.
func PageTokenKeysFromEnv(client *secretsmanager.Client) (*PageTokenKeys, error) {
	keys := &PageTokenKeys{SecretARN: os.Getenv("PAGE_TOKEN_KEY_SECRET_ARN"), Client: client, Hex: os.Getenv("PAGE_TOKEN_KEY")}
	if keys.SecretARN == "" && keys.Hex == "" {
		return nil, errors.New("neither PAGE_TOKEN_KEY_SECRET_ARN nor PAGE_TOKEN_KEY is set: set PAGE_TOKEN_KEY_SECRET_ARN to a secret holding at least 32 random bytes in hex (openssl rand -hex 32), or PAGE_TOKEN_KEY to such a value for local runs")
	}
	if keys.SecretARN == "" {
		if _, err := decodeKey(keys.Hex, "PAGE_TOKEN_KEY"); err != nil {
			return nil, err
		}
	}
	return keys, nil
}

// Key returns the HMAC key. A failed read is not cached, so the next call
// tries again.
func (k *PageTokenKeys) Key(ctx context.Context) ([]byte, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.key != nil {
		return k.key, nil
	}
	if k.SecretARN == "" {
		key, err := decodeKey(k.Hex, "PAGE_TOKEN_KEY")
		if err != nil {
			return nil, err
		}
		k.key = key
		return key, nil
	}
	out, err := k.Client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(k.SecretARN)})
	if err != nil {
		return nil, fmt.Errorf("read the page token key %s: %w", k.SecretARN, err)
	}
	var key []byte
	if out.SecretString != nil {
		key, err = decodeKey(*out.SecretString, "the secret "+k.SecretARN)
	} else {
		key, err = out.SecretBinary, checkKeyLength(len(out.SecretBinary), "the secret "+k.SecretARN)
	}
	if err != nil {
		return nil, err
	}
	k.key = key
	return key, nil
}

func decodeKey(value, source string) ([]byte, error) {
	key, err := hex.DecodeString(strings.TrimSpace(value))
	if err != nil {
		return nil, fmt.Errorf("the page token key in %s is not hexadecimal: store at least 32 random bytes in hex, such as the output of openssl rand -hex 32", source)
	}
	return key, checkKeyLength(len(key), source)
}

func checkKeyLength(n int, source string) error {
	if n < MinPageTokenKeyBytes {
		return fmt.Errorf("the page token key in %s has %d bytes: use at least %d random bytes, such as the output of openssl rand -hex 32", source, n, MinPageTokenKeyBytes)
	}
	return nil
}

// pageClaims are the values a page token binds together: the position in a run's
// records and the request it continues.
type pageClaims struct {
	Operation    string `json:"op"`
	Tenant       string `json:"tenant"`
	ConnectionID string `json:"connectionId"`
	RunID        string `json:"runId"`
	Shard        int    `json:"shard"`
	LastSK       string `json:"lastSk,omitempty"`
}

// signPageToken returns "v1.<claims>.<mac>", both parts base64url without
// padding; the MAC is HMAC-SHA256 over the prefix and the encoded claims.
func signPageToken(key []byte, c pageClaims) string {
	body, err := json.Marshal(c)
	if err != nil {
		panic(fmt.Sprintf("encode page token: %v", err)) // strings and an int always encode
	}
	payload := pageTokenPrefix + base64.RawURLEncoding.EncodeToString(body)
	return payload + "." + base64.RawURLEncoding.EncodeToString(pageMAC(key, payload))
}

func pageMAC(key []byte, payload string) []byte {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(payload))
	return mac.Sum(nil)
}

// verifyPageToken checks a token's MAC and that it continues a request of
// the same operation, tenant and connection, and returns its run and
// cursor.
func verifyPageToken(key []byte, token, operation string, h *Header) (pageClaims, *Error) {
	rejected := func(reason string) *Error {
		return newError(CodeInvalidPageToken, "pageToken", "the page token %s: send the nextPageToken of the previous page unchanged, with the same operation, tenant and connectionId, or leave it out to start again", reason)
	}
	rest, ok := strings.CutPrefix(token, pageTokenPrefix)
	if !ok {
		return pageClaims{}, rejected("is not one this function issued")
	}
	encodedClaims, encodedMAC, ok := strings.Cut(rest, ".")
	if !ok {
		return pageClaims{}, rejected("is not one this function issued")
	}
	got, err := base64.RawURLEncoding.DecodeString(encodedMAC)
	if err != nil || !hmac.Equal(got, pageMAC(key, pageTokenPrefix+encodedClaims)) {
		return pageClaims{}, rejected("was altered or signed with another key")
	}
	body, err := base64.RawURLEncoding.DecodeString(encodedClaims)
	if err != nil {
		return pageClaims{}, rejected("is not one this function issued")
	}
	var c pageClaims
	if err := json.Unmarshal(body, &c); err != nil {
		return pageClaims{}, rejected("is not one this function issued")
	}
	if c.Operation != operation || c.Tenant != h.Tenant || c.ConnectionID != h.ConnectionID {
		return pageClaims{}, rejected("was issued for another operation or connection")
	}
	if c.Shard < 0 || c.Shard >= snapshot.Shards {
		return pageClaims{}, rejected("is not one this function issued")
	}
	return c, nil
}
