"""Online pre-review (网上预审): the form and materials sent from home, checked by a clerk,
and taken over at the window as the application."""
