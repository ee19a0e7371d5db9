/* The `kokoro` executable: one function per git-style subcommand, each in its own cmd_*.c. */
#ifndef KOKORO_CLI_COMMANDS_H
#define KOKORO_CLI_COMMANDS_H

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv); /* argv[0] is the subcommand name */
    const char *summary;
    const char *usage;                 /* full help text for `kokoro help NAME` */
} kokoro_command;

/* Commands whose owning work has not landed yet: they say so and fail, never fake output. */
int cli_not_built_yet(int argc, char **argv);

int cmd_version(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_download(int argc, char **argv);
int cmd_normalize(int argc, char **argv);
int cmd_voices(int argc, char **argv);
int cmd_convert(int argc, char **argv);
int cmd_say(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_phonemize(int argc, char **argv);
#endif
