// Placeholder until the simulator lands (issue 4).
int main() { return 2; }
