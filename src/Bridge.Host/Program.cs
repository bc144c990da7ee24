using Bridge.Host.Cli;

return await GridcastCommand.RunAsync(args);
