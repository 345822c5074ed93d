package freddy

import "context"

// writeCalls are the write operations, each on pconf_1 (or creating one),
// for tests that hold of every write.
func writeCalls() map[string]func(c *Client) error {
	return map[string]func(c *Client) error{
		"Create": func(c *Client) error {
			_, err := c.Configurations.Create(context.Background(), validParams())
			return err
		},
		"Update": func(c *Client) error {
			_, err := c.Configurations.Update(context.Background(), "pconf_1", UpdateConfigurationParams{Name: String("n")})
			return err
		},
		"SetEnabled": func(c *Client) error {
			_, err := c.Configurations.SetEnabled(context.Background(), "pconf_1", false)
			return err
		},
		"Test": func(c *Client) error {
			_, err := c.Configurations.Test(context.Background(), "pconf_1")
			return err
		},
		"Delete": func(c *Client) error { return c.Configurations.Delete(context.Background(), "pconf_1") },
	}
}
