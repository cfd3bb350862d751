"""An online shop's products as a roadbench study: the question of the Real Python article on
modelling polymorphism in Django, measured. ``study`` declares the products; ``designs``
builds four designs of them in a line each."""
