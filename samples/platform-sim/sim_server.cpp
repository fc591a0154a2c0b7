// Placeholder until the simulator lands (issue 4).
#include "sim_server.h"
