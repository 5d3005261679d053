#include "commands/cli.h"

int main(int argc, char** argv) { return tc::RunCli(argc, argv); }
