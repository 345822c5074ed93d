package freddy

import "errors"

// goneAfterLoss reports that the call ended on a 404 answering a retry after
// an attempt whose request went out but whose response was lost: the lost
// attempt most likely deleted the configuration.
func (cl *call) goneAfterLoss() bool {
	var nf *NotFoundError
	return cl.lost && errors.As(cl.final, &nf) && nf.Attempts > 1
}
