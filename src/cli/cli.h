/* cli.h - the memkit command's subcommands. Each lives in its own file under src/cli/. */
#ifndef MEMKIT_CLI_H
#define MEMKIT_CLI_H

/* Each takes the arguments after the subcommand name (argv[0] is the subcommand) and returns the
 * process exit status. Declared weak so a build without a subcommand still links and says so. */
__attribute__((weak)) int mk__cmd_run(int argc, char **argv);
__attribute__((weak)) int mk__cmd_report(int argc, char **argv);
__attribute__((weak)) int mk__cmd_count(int argc, char **argv);
__attribute__((weak)) int mk__cmd_diff(int argc, char **argv);
__attribute__((weak)) int mk__cmd_snapshot(int argc, char **argv);
__attribute__((weak)) int mk__cmd_top(int argc, char **argv);

#endif
