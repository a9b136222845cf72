package localaws

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// ErrMissingTool reports that a program or an npm package needed by a local
// stand-in is not installed. The wrapping error names the piece and the fix.
var ErrMissingTool = errors.New("local tool missing")

// RepoRoot returns the directory that contains go.mod, found by walking up
// from the working directory.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find repository root: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("find repository root: no go.mod in the working directory or any parent; run from inside the repository checkout")
		}
		dir = parent
	}
}

// toolsDir returns infra/local under the repository root, where the npm
// packages for local runs are installed.
func toolsDir() (string, error) {
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	return filepath.Join(root, "infra", "local"), nil
}

// nodePackagePath returns the path of rel inside infra/local/node_modules and
// fails with ErrMissingTool when it is absent.
func nodePackagePath(rel string) (string, error) {
	dir, err := toolsDir()
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "node_modules", rel)
	if _, err := os.Stat(path); err != nil {
		return "", fmt.Errorf("%w: %s not found: run npm ci in %s", ErrMissingTool, path, dir)
	}
	return path, nil
}
