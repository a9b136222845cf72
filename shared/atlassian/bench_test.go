package atlassian

import (
	"encoding/json"
	"fmt"
	"testing"
)

// usersPageBody returns a users/search response of n users shaped like Jira
// Cloud's: self link, avatar URLs, and an email on two users in three.
func usersPageBody(tb testing.TB, n int) []byte {
	users := make([]map[string]any, n)
	for i := range users {
		id := fmt.Sprintf("5b10ac8d82e05b22cc7d%04x", i)
		avatar := "https://avatar-management--avatars.us-west-2.prod.public.atl-paas.net/initials/U" + id + "-0.png"
		user := map[string]any{
			"self":        "https://api.atlassian.com/ex/jira/" + testCloudID + "/rest/api/3/user?accountId=" + id,
			"accountId":   id,
			"accountType": "atlassian",
			"avatarUrls": map[string]string{
				"48x48": avatar + "?size=48", "24x24": avatar + "?size=24",
				"16x16": avatar + "?size=16", "32x32": avatar + "?size=32",
			},
			"displayName": fmt.Sprintf("User Number %d", i),
			"active":      i%10 != 0,
			"timeZone":    "Europe/Oslo",
			"locale":      "en_US",
		}
		if i%3 != 0 {
			user["emailAddress"] = fmt.Sprintf("user.%d@example.com", i)
		}
		users[i] = user
	}
	body, err := json.Marshal(users)
	if err != nil {
		tb.Fatal(err)
	}
	return body
}

// BenchmarkDecodeUsersPage measures decoding and checking one full
// users/search page (1,000 users).
func BenchmarkDecodeUsersPage(b *testing.B) {
	body := usersPageBody(b, MaxUsersPage)
	r := request{method: "GET", path: apiPath + "/users/search"}
	resp := response{status: 200, body: body}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		users, err := decodeUsers(r, resp)
		if err != nil {
			b.Fatal(err)
		}
		if len(users) != MaxUsersPage {
			b.Fatalf("decoded %d users", len(users))
		}
	}
}
