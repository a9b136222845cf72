package jirasim_test

import (
	"fmt"
	"log"

	"github.com/idgov/atlassian-cloud-connector/shared/jirasim"
)

// Example starts a simulator for a generated site, changes the data between
// two syncs and reads it back.
func Example() {
	d, err := jirasim.Generate(jirasim.SizeSmall, 1)
	if err != nil {
		log.Fatal(err)
	}
	srv, err := jirasim.Start(d, jirasim.Options{ClientID: "client", ClientSecret: "secret"})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	// Point ATLASSIAN_AUTH_URL and ATLASSIAN_API_URL at srv.URL(), then sync.

	srv.Mutate(func(d *jirasim.Dataset) {
		user := jirasim.NewUser("Grace Hopper", "grace@example.com")
		if err := d.AddUser(user); err != nil {
			log.Fatal(err)
		}
		if err := d.AddMember(d.Groups[0].GroupID, user.AccountID); err != nil {
			log.Fatal(err)
		}
		if err := d.RenameGroup(d.Groups[0].GroupID, "Renamed group"); err != nil {
			log.Fatal(err)
		}
	})
	after := srv.Dataset()
	fmt.Println(len(after.Users), after.Groups[0].Name)
	// Output: 201 Renamed group
}
