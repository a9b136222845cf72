// Package secrets stores a connection's OAuth client secret and token pair
// in AWS Secrets Manager. Secret values never appear in its errors or logs.
package secrets

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/idgov/atlassian-cloud-connector/shared/connection"
)

// DefaultPrefix is the secret name prefix when SECRET_PREFIX is not set.
const DefaultPrefix = "atlassian-cloud-connector"

// Recovery window limits of Secrets Manager's DeleteSecret, in days.
const (
	MinRecoveryDays = 7
	MaxRecoveryDays = 30
)

// PrefixFromEnv returns SECRET_PREFIX, or DefaultPrefix when it is unset.
func PrefixFromEnv() string {
	if p := os.Getenv("SECRET_PREFIX"); p != "" {
		return p
	}
	return DefaultPrefix
}

// Store reads and writes the secrets of connections. Names are
// <prefix>/<tenant>/<id>/client-secret and <prefix>/<tenant>/<id>/tokens.
type Store struct {
	Client *secretsmanager.Client
	// Prefix starts every secret name; empty means DefaultPrefix.
	Prefix string
	// KMSKeyID, when set, encrypts new secrets with that key in place of
	// the account's aws/secretsmanager key.
	KMSKeyID string
}

// NotFoundError is returned when a secret does not exist or is scheduled
// for deletion.
type NotFoundError struct {
	Name string
}

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("secret %s not found: configure the connection (client secret) or connect it again (tokens)", e.Name)
}

func (s *Store) prefix() string {
	if s.Prefix == "" {
		return DefaultPrefix
	}
	return s.Prefix
}

// ClientSecretName returns the name of the connection's client secret.
func (s *Store) ClientSecretName(key connection.Key) string {
	return fmt.Sprintf("%s/%s/%s/client-secret", s.prefix(), key.Tenant, key.ID)
}

// TokensName returns the name of the connection's token pair.
func (s *Store) TokensName(key connection.Key) string {
	return fmt.Sprintf("%s/%s/%s/tokens", s.prefix(), key.Tenant, key.ID)
}

// PutClientSecret creates or replaces the connection's client secret.
func (s *Store) PutClientSecret(ctx context.Context, key connection.Key, secret string) error {
	if err := key.Validate(); err != nil {
		return err
	}
	if secret == "" {
		return fmt.Errorf("store client secret of %s: the secret is empty; copy it from the Atlassian developer console", key)
	}
	return s.put(ctx, key, s.ClientSecretName(key), "OAuth client secret of Jira Cloud connection "+key.String(), secret)
}

// ClientSecret reads the connection's client secret.
func (s *Store) ClientSecret(ctx context.Context, key connection.Key) (string, error) {
	return s.get(ctx, s.ClientSecretName(key))
}

// put writes a new version of a secret, creating the secret when it does
// not exist and restoring it when it is scheduled for deletion.
func (s *Store) put(ctx context.Context, key connection.Key, name, description, value string) error {
	err := s.putValue(ctx, name, value)
	var notFound *types.ResourceNotFoundException
	var deleted *types.InvalidRequestException
	switch {
	case err == nil:
		return nil
	case errors.As(err, &notFound):
		err = s.create(ctx, key, name, description, value)
		var exists *types.ResourceExistsException
		if errors.As(err, &exists) {
			// Another writer created it first; add this value as a new version.
			err = s.putValue(ctx, name, value)
		}
	case errors.As(err, &deleted):
		// Secrets Manager rejects writes to a secret scheduled for deletion
		// with InvalidRequestException; restoring it cancels the deletion.
		if _, restoreErr := s.Client.RestoreSecret(ctx, &secretsmanager.RestoreSecretInput{SecretId: &name}); restoreErr != nil {
			return fmt.Errorf("restore secret %s, which is scheduled for deletion: %w", name, restoreErr)
		}
		err = s.putValue(ctx, name, value)
	}
	if err != nil {
		return fmt.Errorf("store secret %s: %w", name, err)
	}
	return nil
}

func (s *Store) putValue(ctx context.Context, name, value string) error {
	_, err := s.Client.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{
		SecretId:     &name,
		SecretString: &value,
	})
	return err
}

func (s *Store) create(ctx context.Context, key connection.Key, name, description, value string) error {
	in := &secretsmanager.CreateSecretInput{
		Name:         &name,
		Description:  &description,
		SecretString: &value,
		Tags: []types.Tag{
			{Key: aws.String("tenant"), Value: aws.String(key.Tenant)},
			{Key: aws.String("connectionId"), Value: aws.String(key.ID)},
		},
	}
	if s.KMSKeyID != "" {
		in.KmsKeyId = &s.KMSKeyID
	}
	_, err := s.Client.CreateSecret(ctx, in)
	return err
}

func (s *Store) get(ctx context.Context, name string) (string, error) {
	out, err := s.Client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: &name})
	var notFound *types.ResourceNotFoundException
	var deleted *types.InvalidRequestException
	if errors.As(err, &notFound) || errors.As(err, &deleted) {
		return "", &NotFoundError{Name: name}
	}
	if err != nil {
		return "", fmt.Errorf("read secret %s: %w", name, err)
	}
	if out.SecretString == nil {
		return "", fmt.Errorf("read secret %s: it has no string value; store it again", name)
	}
	return *out.SecretString, nil
}

// Delete schedules both of the connection's secrets for deletion after a
// recovery window of recoveryDays (7 to 30), during which RestoreSecret
// can bring them back. Secrets that do not exist are skipped.
func (s *Store) Delete(ctx context.Context, key connection.Key, recoveryDays int) error {
	if recoveryDays < MinRecoveryDays || recoveryDays > MaxRecoveryDays {
		return fmt.Errorf("delete secrets of %s: recovery window %d days is invalid; use %d to %d days",
			key, recoveryDays, MinRecoveryDays, MaxRecoveryDays)
	}
	for _, name := range []string{s.TokensName(key), s.ClientSecretName(key)} {
		_, err := s.Client.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{
			SecretId:             &name,
			RecoveryWindowInDays: aws.Int64(int64(recoveryDays)),
		})
		var notFound *types.ResourceNotFoundException
		if err != nil && !errors.As(err, &notFound) {
			return fmt.Errorf("delete secret %s: %w", name, err)
		}
	}
	return nil
}

// DeleteTokens schedules the deletion of a connection's token pair only,
// with a recovery window of recoveryDays; a missing pair is not an error.
func (s *Store) DeleteTokens(ctx context.Context, key connection.Key, recoveryDays int) error {
	if recoveryDays < MinRecoveryDays || recoveryDays > MaxRecoveryDays {
		return fmt.Errorf("delete tokens of %s: recovery window %d days is invalid; use %d to %d days",
			key, recoveryDays, MinRecoveryDays, MaxRecoveryDays)
	}
	name := s.TokensName(key)
	_, err := s.Client.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{
		SecretId:             &name,
		RecoveryWindowInDays: aws.Int64(int64(recoveryDays)),
	})
	var notFound *types.ResourceNotFoundException
	if err != nil && !errors.As(err, &notFound) {
		return fmt.Errorf("delete secret %s: %w", name, err)
	}
	return nil
}
