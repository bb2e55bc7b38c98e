"""Places: the coordinates of citizens' addresses (given, geocoded, or the hamlet's centre).

`service` looks addresses up in the geocode cache (at booking) and geocodes the rest in a
background pass; `worker` runs that pass in a thread of the web process.
"""
